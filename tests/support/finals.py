"""Label Studio annotations for the consensus finals' tests: boxes in pixels, spans, choices, self-rated confidence."""

from __future__ import annotations

from itertools import count

WIDTH, HEIGHT = 640, 480
IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="car"/><Label value="truck"/><Label value="person"/>
  </RectangleLabels>
</View>"""
POLYGON_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <PolygonLabels name="shape" toName="image"><Label value="roof"/><Label value="tree"/></PolygonLabels>
</View>"""
TEXT = "Alice met Bob in Paris yesterday."
NER_CONFIG = """<View>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
</View>"""
CHOICE_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="emotion" toName="text" choice="single"><Choice value="a"/><Choice value="b"/></Choices>
</View>"""
MIXED_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="a"/><Choice value="b"/><Choice value="c"/>
  </Choices>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="price" toName="text"/>
  <TextArea name="summary" toName="text"/>
</View>"""

_ids = count(1)


def box(x: float, y: float, w: float, h: float, label: str, control: str = "label") -> dict:
    """A rectangle given in pixels of a WIDTH x HEIGHT image, stored in percent as Label Studio does."""
    return {"id": f"r{next(_ids)}", "from_name": control, "to_name": "image", "type": "rectanglelabels",
            "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0,
            "value": {"x": x * 100 / WIDTH, "y": y * 100 / HEIGHT, "width": w * 100 / WIDTH,
                      "height": h * 100 / HEIGHT, "rotation": 0, "rectanglelabels": [label]}}


def pixels(region: dict) -> tuple[float, float, float, float]:
    """A rectangle's x, y, width, height back in pixels."""
    v = region["value"]
    return v["x"] * WIDTH / 100, v["y"] * HEIGHT / 100, v["width"] * WIDTH / 100, v["height"] * HEIGHT / 100


def polygon(points: list[tuple[float, float]], label: str) -> dict:
    return {"id": f"p{next(_ids)}", "from_name": "shape", "to_name": "image", "type": "polygonlabels",
            "original_width": WIDTH, "original_height": HEIGHT,
            "value": {"points": [list(p) for p in points], "closed": True, "polygonlabels": [label]}}


def span(start: int, end: int, label: str, text: str = TEXT) -> dict:
    return {"id": f"s{next(_ids)}", "from_name": "ner", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def rating(value: int) -> dict:
    return {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": value}}


def number(value: float) -> dict:
    return {"from_name": "price", "to_name": "text", "type": "number", "value": {"number": value}}


def textarea(*lines: str) -> dict:
    return {"from_name": "summary", "to_name": "text", "type": "textarea", "value": {"text": list(lines)}}


def sure(value: str = "definitely") -> dict:
    """The annotator's self-rated confidence (definitely, probably, might be)."""
    return choice("confidence", value)


def annotation(id_: int, user: int, *regions: dict) -> dict:
    return {"id": id_, "completed_by": user, "result": list(regions), "was_cancelled": False, "ground_truth": False,
            "created_at": f"2026-11-01T00:00:{id_ % 60:02d}Z", "updated_at": "u"}
