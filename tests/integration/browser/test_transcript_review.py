"""A reviewer's labeling stream for a transcript: stock Label Studio's UI starts from the annotators' vote.

Three annotators transcribe an uploaded WAV, each one word off; `labelops review push` makes the review task,
and the reviewer's stream shows ROVER's transcript (a text none of them typed) and the rating they shared,
ready to correct, while every annotator's own transcript is in the table above it.
"""

from __future__ import annotations

from playwright.sync_api import expect

from sdk_scripts.label_config_library import read_config
from tests.support.labelstudio import annotator_sdk, unique_title
from tests.support.lsui import close_instructions, label_all_tasks
from tests.support.speech import audio_bytes, tone

HEARD = ["the cat sat on a mat", "a cat sat on the mat", "the dog sat on the mat"]
VOTED = "the cat sat on the mat"


def test_reviewer_stream_starts_from_the_voted_transcript(label_studio, ls_client, annotators, run_cli, logged_in,
                                                          shot, tmp_path) -> None:
    project = ls_client.create_project(title=unique_title("Transcript review"),
                                       label_config=read_config("audio_transcription"), maximum_annotations=3,
                                       overlap_cohort_percentage=100)
    clip = tmp_path / "clip.wav"
    clip.write_bytes(audio_bytes(tone(2.0)))
    [task_id] = ls_client.upload_files(project["id"], [str(clip)])
    for annotator, text in zip(annotators, HEARD, strict=True):
        annotator_sdk(label_studio, annotator).annotations.create(id=task_id, result=[
            {"from_name": "transcription", "to_name": "audio", "type": "textarea", "value": {"text": [text]}},
            {"from_name": "quality", "to_name": "audio", "type": "rating", "value": {"rating": 4}}])
    pushed = run_cli("review", "push", project["id"], "--qa-sample", "1")
    assert pushed.code == 0, pushed.err
    [review_project] = ls_client.projects_titled(f"{project['title']} [review]")

    [reviewer] = label_studio.create_annotators(["reviewer@labelops.test"])
    page = logged_in(reviewer.email, reviewer.password)
    label_all_tasks(page, label_studio.url, review_project["id"])
    close_instructions(page)
    expect(page.get_by_text("a transcript by three or more starts from their word-by-word vote",
                            exact=False)).to_be_visible()  # the review task says where the text comes from
    # the voted text exactly is only the pre-filled transcript (the table's answers are the annotators' own)
    expect(page.get_by_text(VOTED, exact=True).first).to_be_visible()
    for text in HEARD:  # each annotator's own transcript, in the versions table
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    shot(page, "transcript-review-stream-vote", full_page=True)
