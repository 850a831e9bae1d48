"""Labelled text sets for bench/active_learning.py (`python bench/text_sets.py` prints their sizes).

- `repo_texts`: the backend's and the demo's first labelled texts: ml_backend/data/emotions_60.json (60 texts,
  joy / sadness / anger, 20 each) plus the demo tasks in sdk_scripts/samples/emotion_demo_annotations.jsonl
  whose three annotators give a strict-majority first choice in one of those three classes and none
  flagged the task (the same rule as the backend's text head, ml_backend/active_learning/text_head.py).
  Real, hand-written, but tiny. (The demo's later sets, sdk_scripts/samples/emotion_earlier_round.jsonl and
  emotion_held_out.jsonl, are not in it: the figures in docs/ were measured without them.)
- `template_texts`: a larger, synthetic set generated here, deterministically and offline: the seven
  emotions of the demo project (sdk_scripts/samples/emotion_project.yaml), each text one of 36 everyday
  situations shared by all classes joined with one of 18 reaction sentences of its class, in one of
  three word orders. The situation says nothing about the class, the reaction says it; reactions
  recur between pool and test. It is a stand-in for a real corpus (none is on disk and nothing may be
  downloaded), so its figures say how the strategies rank, not what a real project would save.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdk_scripts.labelstudio.quality_fields import EXCLUDING_FLAGS  # noqa: E402

EMOTIONS_60 = ROOT / "ml_backend" / "data" / "emotions_60.json"
DEMO_ANNOTATIONS = ROOT / "sdk_scripts" / "samples" / "emotion_demo_annotations.jsonl"


def repo_texts() -> tuple[list[str], list[str], str]:
    """(texts, labels, provenance) of the repo's labelled emotion texts."""
    rows = json.loads(EMOTIONS_60.read_text())
    texts, labels = [r["text"] for r in rows], [r["emotion"] for r in rows]
    classes = set(labels)
    added = 0
    for line in DEMO_ANNOTATIONS.read_text().splitlines():
        if not line.strip():
            continue
        task = json.loads(line)
        annotators = task.get("annotators") or []
        if any(a.get("flag") in EXCLUDING_FLAGS for a in annotators):
            continue
        votes = Counter(a["emotion"][0] for a in annotators if a.get("emotion")).most_common()
        if not votes or (len(votes) > 1 and votes[1][1] == votes[0][1]) or votes[0][0] not in classes:
            continue
        if task["text"] not in texts:
            texts.append(task["text"])
            labels.append(votes[0][0])
            added += 1
    provenance = (f"repo texts: {EMOTIONS_60.relative_to(ROOT)} ({len(rows)}) + {added} majority-labelled, "
                  f"unflagged demo tasks in those classes from {DEMO_ANNOTATIONS.relative_to(ROOT)}")
    return texts, labels, provenance


SITUATIONS = [
    "My flight was moved to tomorrow morning", "The landlord texted about the rent",
    "I opened the fridge at the office", "My manager called me into a meeting", "The test results came back",
    "My brother phoned out of the blue", "The package finally arrived", "I checked my bank account this morning",
    "Our team lead announced the reorganisation", "The neighbours started renovating again",
    "I got an email from the university", "The vet called about our dog", "I read the comments under my post",
    "The train stopped in the middle of the tunnel", "My old school friend sent me a message",
    "We got the quote for the car repair", "The restaurant brought out our order", "I found a letter in the attic",
    "The election results were announced", "My daughter came home from school",
    "The power went out during the storm", "I saw the photos from the party", "The doctor called me back",
    "They published the new timetable", "My phone buzzed at midnight", "The hotel showed us our room",
    "The coach read out the team sheet", "I got the invoice from the plumber", "Dad told us about the house",
    "The lift stopped between floors", "We watched the final episode last night", "I cleaned out the garage",
    "The interview panel got back to me", "Someone left a note on my windscreen",
    "My grandmother's old cat wandered in", "The company announced the bonuses",
]

REACTIONS = {
    "joy": [
        "I'm absolutely thrilled.", "Honestly this made my whole week.", "I can't stop smiling.",
        "I'm over the moon about it.", "We celebrated with cake and music.", "What a lovely feeling, I'm so happy.",
        "I was grinning all the way home.", "Best news I've had in ages.",
        "I feel light and cheerful for the first time in months.", "Everyone hugged and laughed.",
        "I'm so grateful and happy right now.", "It turned out even better than I hoped.",
        "I did a little dance in the hallway.", "Pure delight, honestly.", "My heart is so full.",
        "I couldn't be more pleased.", "I called everyone to share the good news.", "Today is a great day.",
    ],
    "sadness": [
        "I feel so empty now.", "I cried for most of the evening.", "It broke my heart a little.",
        "I just sat in the car for an hour afterwards.", "Everything feels grey and heavy today.",
        "I miss how things used to be.", "I couldn't bring myself to get out of bed.",
        "It's hard not to feel hopeless.", "I feel really lonely tonight.",
        "There's a lump in my throat whenever I think about it.", "I'm heartbroken, honestly.",
        "Nothing seems worth the effort anymore.", "I wish I could go back and change it.",
        "I've been feeling down ever since.", "It left me quiet and sad all day.",
        "I keep looking at old photos and tearing up.", "It's such a loss.", "I feel like I've let everyone down.",
    ],
    "anger": [
        "I'm absolutely furious.", "This is completely unacceptable.",
        "I slammed the door so hard the frame cracked.", "How dare they treat people like this?",
        "I'm livid and I want an explanation.", "I'm sick of being ignored.",
        "That's the third time this month, unbelievable.", "I wrote a very angry complaint.",
        "They clearly don't care about anyone but themselves.", "My blood is boiling.",
        "I told them exactly what I think of them.", "Who on earth thought that was acceptable?",
        "I'm so angry I can't think straight.", "Someone is going to hear about this.",
        "It's outrageous and I'm fed up.", "I've had enough of their excuses.", "I could scream.",
        "It makes me so mad.",
    ],
    "fear": [
        "I'm terrified of what comes next.", "My hands are still shaking.", "I keep checking the locks.",
        "I couldn't sleep, my heart was pounding.", "What if it's something serious?", "I'm really scared about it.",
        "I have a horrible feeling something bad will happen.", "I'm dreading tomorrow.",
        "I felt panic rising in my chest.", "I'm anxious and can't stop worrying.", "I froze and couldn't move.",
        "Every noise makes me jump now.", "I'm nervous about what they'll say.", "It gave me chills.",
        "I'm worried sick.", "I just want someone to tell me it will be okay.", "I kept imagining the worst.",
        "I'm afraid to open the next message.",
    ],
    "surprise": [
        "I did not see that coming at all.", "Wait, what? I'm stunned.", "I had to read it twice to believe it.",
        "Out of nowhere, just like that.", "I'm genuinely shocked.",
        "Nobody warned us, it was completely unexpected.", "My jaw literally dropped.", "Who would have guessed?",
        "I'm still trying to process it, wow.", "That caught everyone off guard.",
        "I never expected that in a million years.", "It came as a total surprise.",
        "I blinked and stared for a full minute.", "Wow, just wow.", "Talk about an unexpected twist.",
        "I had no idea that was even possible.", "I'm amazed, honestly.", "That's the last thing I expected.",
    ],
    "disgust": [
        "It was absolutely revolting.", "I nearly threw up.", "The smell made me gag.",
        "I had to throw the whole thing out and wash my hands twice.", "It's gross, there's mould everywhere.",
        "I find that behaviour sickening.", "Yuck, I can't even look at it.", "It was filthy and sticky.",
        "That is just vile.", "I felt grimy just being near it.", "The whole thing made my stomach turn.",
        "Honestly nauseating.", "It was crawling with maggots.", "Disgusting, I won't touch it again.",
        "I'm repulsed by the way they behaved.", "It left a foul taste in my mouth.",
        "There was hair and grease all over it.", "Eww, never again.",
    ],
    "neutral": [
        "I'll add it to the calendar.", "Just noting it for the record.", "The details are in the shared folder.",
        "We'll discuss it at the next meeting.", "I forwarded the message to the team.", "Nothing else to report.",
        "I'll check again on Monday.", "The reference number is 4471.", "It takes about twenty minutes.",
        "I wrote down the times.", "The form needs to be signed by Friday.", "I'll update the spreadsheet later.",
        "We can pick it up from reception.", "That's all for now.", "The next step is the paperwork.",
        "I'll send a summary tomorrow.", "It is on the second floor.", "Please confirm by email.",
    ],
}


def _lower_first(sentence: str) -> str:
    return sentence if sentence.startswith(("I ", "I'")) else sentence[0].lower() + sentence[1:]


TEMPLATES = [
    lambda s, r: f"{s}. {r}",
    lambda s, r: f"{r} {s}.",
    lambda s, r: f"So, {_lower_first(s)}. {r}",
]


def template_texts(per_class: int = 60, seed: int = 0) -> tuple[list[str], list[str], str]:
    """(texts, labels, provenance): per_class distinct (situation, reaction, word order) texts per emotion."""
    texts: list[str] = []
    labels: list[str] = []
    for c, (label, reactions) in enumerate(REACTIONS.items()):
        combos = [(s, r, t) for s in range(len(SITUATIONS)) for r in range(len(reactions))
                  for t in range(len(TEMPLATES))]
        for s, r, t in random.Random(seed * 100 + c).sample(combos, per_class):
            texts.append(TEMPLATES[t](SITUATIONS[s], reactions[r]))
            labels.append(label)
    provenance = (f"synthetic texts generated offline by bench/text_sets.py (seed {seed}): {len(SITUATIONS)} "
                  f"shared situations x {len(REACTIONS['joy'])} reactions per emotion x {len(TEMPLATES)} word orders")
    return texts, labels, provenance


if __name__ == "__main__":
    for make in (repo_texts, template_texts):
        texts, labels, provenance = make()
        print(f"{make.__name__}: {len(texts)} texts, {dict(sorted(Counter(labels).items()))}\n  {provenance}")
        print(f"  e.g. {texts[-1]!r} -> {labels[-1]}")
