"""The diagnosis codes this practice uses, shipped with the project (ICD-10-CM).

A short table, not the classification: the codes a sex-therapy practice reaches for, each with its
ICD-10-CM title. The practice must verify every code and title against the current ICD-10-CM release
(CMS publishes one each October; titles and billable codes change) before claiming with them; a code
that is no longer valid is taken out here, never rewritten, so diagnoses already on file still read.

Codes are clinical: a member's codes are stored encrypted (`MemberDiagnosis.code`) and shown only to
the unit's therapists, the member, and staff when `BILLING_STAFF_SEE_DIAGNOSIS` is on.
"""

CODES: dict[str, str] = {
    # Sexual dysfunctions not due to a substance or known physiological condition (F52)
    "F52.0": "Hypoactive sexual desire disorder",
    "F52.1": "Sexual aversion disorder",
    "F52.21": "Male erectile disorder",
    "F52.22": "Female sexual arousal disorder",
    "F52.31": "Female orgasmic disorder",
    "F52.32": "Male orgasmic disorder",
    "F52.4": "Premature ejaculation",
    "F52.5": "Vaginismus not due to a substance or known physiological condition",
    "F52.6": "Dyspareunia not due to a substance or known physiological condition",
    "F52.8": "Other sexual dysfunction not due to a substance or known physiological condition",
    "F52.9": "Unspecified sexual dysfunction not due to a substance or known physiological condition",
    # Gender identity (F64.0's ICD-10-CM title is "Transsexualism"; its index term, used by DSM-5-TR,
    # is the one shown)
    "F64.0": "Gender dysphoria in adolescents and adults",
    # Paraphilias (F65)
    "F65.0": "Fetishism",
    "F65.1": "Transvestic fetishism",
    "F65.2": "Exhibitionism",
    "F65.3": "Voyeurism",
    "F65.4": "Pedophilia",
    "F65.50": "Sadomasochism, unspecified",
    "F65.51": "Sexual masochism",
    "F65.52": "Sexual sadism",
    "F65.81": "Frotteurism",
    "F65.89": "Other paraphilias",
    "F65.9": "Paraphilia, unspecified",
    "F66": "Other sexual disorders",
    # Adjustment, anxiety and depression
    "F43.20": "Adjustment disorder, unspecified",
    "F43.21": "Adjustment disorder with depressed mood",
    "F43.22": "Adjustment disorder with anxiety",
    "F43.23": "Adjustment disorder with mixed anxiety and depressed mood",
    "F41.1": "Generalized anxiety disorder",
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F32.A": "Depression, unspecified",
    # Factors influencing health status: counselling and relationships (Z70, Z63)
    "Z70.0": "Counseling related to sexual attitude",
    "Z70.1": "Counseling related to patient's sexual behavior and orientation",
    "Z70.2": "Counseling related to sexual behavior and orientation of third party",
    "Z70.3": "Counseling related to combined concerns regarding sexual attitude, behavior and orientation",
    "Z70.8": "Other sex counseling",
    "Z70.9": "Sex counseling, unspecified",
    "Z63.0": "Problems in relationship with spouse or partner",
}

CHOICES = [(code, f"{code} {title}") for code, title in CODES.items()]


def title(code: str) -> str:
    return CODES.get(code, "(no longer in the practice's code table)")
