"""Agreement inputs the tests share: configs, tasks from a coders x units matrix, Krippendorff's 2011 example."""

from __future__ import annotations

CHOICE_CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="answer" toName="text">{choices}</Choices></View>"""
RATING_CONFIG = """<View><Text name="text" value="$text"/><Rating name="score" toName="text" maxRating="5"/></View>"""


def choice_config(labels) -> str:
    return CHOICE_CONFIG.format(choices="".join(f'<Choice value="{v}"/>' for v in labels))


def tasks_from_matrix(rows: list[list], make_result) -> list[dict]:
    """Tasks from a coders x units reliability matrix (None = missing), one annotator per row."""
    tasks = []
    for unit in range(len(rows[0])):
        annotations = [
            {"id": 1000 * coder + unit, "completed_by": coder + 1, "result": make_result(row[unit]),
             "created_at": "2026-11-16T09:00:00Z", "updated_at": "2026-11-16T09:00:00Z"}
            for coder, row in enumerate(rows) if row[unit] is not None
        ]
        tasks.append({"id": unit + 1, "data": {"text": f"unit {unit + 1}"}, "annotations": annotations})
    return tasks


def choice_result(value) -> list[dict]:
    return [{"from_name": "answer", "to_name": "text", "type": "choices", "value": {"choices": [str(value)]}}]


def rating_result(value) -> list[dict]:
    return [{"from_name": "score", "to_name": "text", "type": "rating", "value": {"rating": value}}]


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C ("Nominal data, any number of observers,
# missing data"): 4 observers, 12 units, values 1-5. Published: nominal .743, ordinal .815,
# interval .849.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
