"""`make demo`: Label Studio on localhost, a text and an image project through the whole loop, where to log in.

`python -m sdk_scripts.demo` (`run.main`) starts Label Studio (on a free port when another server holds the
asked one: the demo's admin must be able to log in to what answers; `server`) and the ML backend, signs up
three annotators and a reviewer (real Label Studio users with names and their own tokens; `people`), then
runs two projects through the same steps (`loop`):

- `text`: a 3-annotator emotion project. An earlier round of labelled texts is imported with its
  annotations, the backend pre-annotates the rest zero-shot (MiniLM), the annotators label the sample
  texts live and Label Studio starts a training run every `text.TRAIN_EVERY` annotations; the zero-shot
  pre-annotation and the served version are compared on held-out texts nobody labels (`figures`).
- `images`: a 3-annotator shapes project (boxes). Images drawn by the shipped detector's own generator
  are uploaded, the detector pre-annotates them (boxes in the labeling stream), the annotators draw theirs.

Each project's disagreements go to a review project, its HTML quality report is written, and the tasks
left for people are made to hold a prediction of the served version. The closing lines give the URLs and
which user to log in as for each role (admin, annotators, reviewer).

The demo server keeps its data in `.demo/` at the repository root, so a second `make demo` finds the same
projects and tasks (creation, imports and uploads are idempotent). Its password (the admin's, and the one
every demo user signed up with through the invite link) and the admin's API token are generated on first
run and kept in `.demo/credentials.toml` (mode 600); a labelops config file pointing at the server (with
the admin's API token) is written to `.demo/labelops.toml`.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {"main": "run"}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
