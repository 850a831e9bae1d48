"""TextArea on Audio (transcripts): scored as TextArea; the final is ROVER's word-by-word vote (crowd-kit).

ROVER (Fiscus 1997, "A post-processing system to yield reduced word error rates: Recognizer Output Voting
Error Reduction (ROVER)", IEEE ASRU, doi:10.1109/ASRU.1997.659110) aligns the transcripts into one word
transition network (dynamic programming, the first transcript as the start) and keeps, at each position, the
word most transcripts have there; an empty slot can win, so a word only a minority heard is dropped. Ties go
to crowd-kit's rule (the longer word, then the later in sort order). With three or more transcripts that is a
text a majority supports word by word, which no one may have typed whole; with one or two there is no
majority to vote, and the final is TextArea's medoid (two: the more confident annotator's). The transcripts
are aligned most confident annotator first; words are split on whitespace and joined with single spaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sdk_scripts.agreement.finals import CONSENSUS, Answers, Final, FinalOptions
from sdk_scripts.agreement.kinds.text import TextArea

AUDIO_TAGS = ("Audio", "AudioPlus")
ROVER_MIN = 3  # transcripts a vote needs


def rover(transcripts: Mapping[Any, Sequence[str]]) -> dict[Any, str]:
    """unit -> ROVER's transcript of its transcripts (in alignment order)."""
    import pandas as pd
    from crowdkit.aggregation import ROVER

    rows = [(unit, i, text) for unit, texts in transcripts.items() for i, text in enumerate(texts)]
    if not rows:
        return {}
    data = pd.DataFrame(rows, columns=["task", "worker", "text"])
    voted = ROVER(tokenizer=str.split, detokenizer=" ".join, silent=True).fit_predict(data)
    return {unit: str(voted[unit]) for unit in transcripts}


class Transcript(TextArea):
    name = "transcript"
    tags = "TextArea on Audio"

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        objects = getattr(control, "objects", None) or []
        return control.tag == "TextArea" and bool(objects) and objects[0].tag in AUDIO_TAGS

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """ROVER where three or more annotators transcribed the task, else the medoid (see the module docstring);
        the result is the most confident annotator's region with the voted text."""
        out = super().finals(answers, options)
        values = answers.coded.values
        order = {unit: sorted(answers.rows(unit), key=lambda r: (-answers.weight[r], r))
                 for unit in answers.rated_units() if len(answers.rows(unit)) >= ROVER_MIN}
        voted = rover({unit: [values[r] for r in rows] for unit, rows in order.items()})
        for unit, text in voted.items():
            out[unit] = Final(answers.answer_as(order[unit][0], "text", [text]), "rover", CONSENSUS)
        return out
