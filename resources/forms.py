"""Forms for the library, assignments, client work and workshops. Validation only: services write."""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Concern, Member
from practice.forms_support import ANSWER_CHARS, LONG_CHARS, SHORT_CHARS, text_limits
from resources.models import Assignment, ExerciseStep, Resource, Suits, Workshop

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_FILE_BYTES = 20 * 1024 * 1024
LOG_MAX = 20_000


class LibraryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search titles"))
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind")), *Resource.Kind.choices])
    suits = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Individuals or couples")),
            (Suits.INDIVIDUALS, _("Suits individuals")),
            (Suits.COUPLES, _("Suits couples")),
        ],
    )
    concern = forms.ModelChoiceField(
        required=False, queryset=Concern.objects.all(), to_field_name="slug", empty_label=_("Any concern")
    )
    inactive = forms.BooleanField(required=False, label=_("Include inactive"))


@text_limits(summary=SHORT_CHARS, instructions=LONG_CHARS)
class ResourceForm(forms.ModelForm):
    concerns = forms.ModelMultipleChoiceField(
        queryset=Concern.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Resource
        fields = ["kind", "title", "summary", "instructions", "link", "file", "concerns", "suits", "nature", "active"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "instructions": forms.Textarea(attrs={"rows": 5}),
            "kind": forms.RadioSelect,
            "suits": forms.RadioSelect,
            "nature": forms.RadioSelect,
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and getattr(upload, "size", 0) > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Files up to 20 MB only."))
        return upload

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("file")) if data.get("file") is not False else False
        if data.get("link") and has_file:
            self.add_error("link", _("Give a link or a file, not both."))
        return data

    def changed_file(self):
        """None: keep the stored file; False: remove it; a file: replace it."""
        if "file" not in self.changed_data:
            return None
        return self.cleaned_data.get("file") or False


@text_limits(what_to_do=ANSWER_CHARS, not_yet=ANSWER_CHARS)
class StepForm(forms.ModelForm):
    order = forms.IntegerField(min_value=1, max_value=99, required=False, label=_("Stage"))

    class Meta:
        model = ExerciseStep
        fields = ["order", "title", "what_to_do", "not_yet", "suggested_days"]
        widgets = {"what_to_do": forms.Textarea(attrs={"rows": 3}), "not_yet": forms.Textarea(attrs={"rows": 2})}


class BaseStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Before the model formset's own duplicate check, so the message speaks of stages.
        orders = [
            f.cleaned_data.get("order")
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("order")
        ]
        if len(orders) != len(set(orders)):
            raise forms.ValidationError(_("Two stages have the same number."))
        super().clean()

    def rows(self) -> list[dict]:
        """What `services.resource_save` takes: one dict per filled row, in form order."""
        rows = []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            data = dict(form.cleaned_data)
            rows.append({**data, "step": form.instance if form.instance.pk else None, "delete": data.get("DELETE")})
        return rows


StepFormSet = inlineformset_factory(
    Resource,
    ExerciseStep,
    form=StepForm,
    formset=BaseStepFormSet,
    extra=2,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


@text_limits(note=LONG_CHARS)
class AssignmentForm(forms.ModelForm):
    resource = forms.ModelChoiceField(queryset=Resource.objects.none(), label=_("Resource"))
    member = forms.ModelChoiceField(queryset=Member.objects.none(), required=False, label=_("For"))

    class Meta:
        model = Assignment
        fields = ["resource", "member", "due_on", "note"]
        widgets = {"due_on": DATE, "note": forms.Textarea(attrs={"rows": 3})}
        labels = {"due_on": _("Due on"), "note": _("Note to the client")}
        help_texts = {"note": _("Shown to the client(s) it is for. Kept encrypted.")}

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = Resource.objects.filter(active=True).exclude(kind=Resource.Kind.WORKSHOP)
        self.fields["resource"].label_from_instance = lambda r: f"{r.title} ({r.get_kind_display().lower()})"
        self.fields["member"].queryset = client.members.order_by("position")
        self.fields["member"].label_from_instance = lambda m: m.display_name
        self.fields["member"].empty_label = _("Both partners") if client.is_couple else _("The client")
        if not client.is_couple:
            self.fields["member"].widget = forms.HiddenInput()

    def clean_due_on(self):
        due_on = self.cleaned_data.get("due_on")
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due_on


@text_limits(note=LONG_CHARS)
class AssignmentEditForm(forms.Form):
    """A plain form (not a ModelForm), so the assignment keeps its stored due date until the service
    compares it with the new one and re-times the reminders."""

    due_on = forms.DateField(required=False, widget=DATE, label=_("Due on"))
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LOG_MAX,
        label=_("Note to the client"),
        help_text=_("Shown to the client(s) it is for. Kept encrypted."),
    )


@text_limits(body=LOG_MAX)
class FeedbackForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=LOG_MAX, label=_("Feedback"))
    for_member = forms.ModelChoiceField(queryset=Member.objects.none(), required=False, label=_("For"))

    def __init__(self, *args, members: list[Member], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["for_member"].queryset = Member.objects.filter(pk__in=[m.pk for m in members]).order_by("position")
        self.fields["for_member"].label_from_instance = lambda m: f"{m.display_name} only"
        self.fields["for_member"].empty_label = _("Everyone it is for")
        if len(members) < 2:
            del self.fields["for_member"]


@text_limits(log=LOG_MAX)
class ProgressForm(forms.Form):
    log = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=LOG_MAX,
        label=_("Your private notes: what happened, how it felt"),
    )
    done = forms.BooleanField(required=False, label=_("Mark as done"))


class RegisterClientForm(forms.Form):
    """A therapist registers members of a unit they treat. The choices are those members only."""

    members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Who")
    )

    def __init__(self, *args, units: list[Client], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Member.objects.filter(client__in=[u.pk for u in units]).select_related(
            "client"
        )
        self.fields["members"].label_from_instance = lambda m: f"{m.client.reference} · {m.display_name}"


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


@text_limits(description=LONG_CHARS)
class WorkshopForm(forms.ModelForm):
    """A workshop as a therapist writes it; times in the therapist's own zone. Validation only: the
    service (`workshop_save`) checks what needs the registrations (capacity below those registered)."""

    concerns = forms.ModelMultipleChoiceField(
        queryset=Concern.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Workshop
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "capacity",
            "facilitator",
            "place",
            "video_link",
            "resource",
            "concerns",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "starts_at": DATETIME, "ends_at": DATETIME}
        labels = {
            "starts_at": _("Starts"),
            "ends_at": _("Ends"),
            "video_link": _("Video link"),
            "active": _("Open (clients can see it and register)"),
            "resource": _("Library entry"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = Resource.objects.filter(kind=Resource.Kind.WORKSHOP, active=True)
        self.fields["resource"].empty_label = _("None")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        unchanged = self.instance.pk is not None and starts_at == self.instance.starts_at
        if not unchanged and starts_at <= timezone.now():
            raise forms.ValidationError(_("A workshop is planned ahead: choose a start later than now."))
        return starts_at

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must be after the start."))
        if not data.get("place") and not data.get("video_link"):
            self.add_error("place", _("Give an address for an event in person, or a video link for one online."))
        return data
