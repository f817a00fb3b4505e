from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and scale data and their commands. Nothing in the product imports this app."""

    name = "devdata"
    verbose_name = "Demo and scale data"
