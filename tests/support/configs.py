"""The shipped labeling configs the tests expect, and a config only Label Studio's server refuses."""

from __future__ import annotations

SHIPPED = ["audio_transcription", "image_bbox", "review", "text_emotion", "text_ner", "text_sentiment"]
# Label Studio refuses it (its unique-name check reads `myname="t"` as a second name "t"); the checks its
# SDK ships do not: only the server's own validation catches it.
ONLY_THE_SERVER_REFUSES = ('<View><Text name="t" value="$t" myname="t"/>'
                           '<Choices name="c" toName="t"><Choice value="a"/><Choice value="b"/></Choices></View>')
