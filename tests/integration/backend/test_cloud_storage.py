"""Images where teams keep them: uploads, Label Studio local-files storage and S3-compatible storage.

One image project gets tasks from all three: two uploaded files, two from a local-files storage and
two from an S3 source storage on a real S3-compatible server on loopback (moto's server, connected to
Label Studio with a custom endpoint, imported by Label Studio's storage sync) — presigned URLs on, and a
second S3 storage with presigned URLs off (Label Studio proxies the bytes). The backend pre-annotates
every task (S3 objects of buckets it does not list in MEDIA_S3_DIRECT_BUCKETS through Label Studio's resolve
endpoint for the task), then trains the detector from annotations on tasks of every source. A storage object
that is not an image, and a storage URI no storage of the project covers, each get one clear line in the log.
The one bucket the backend reads itself (MEDIA_S3_DIRECT_BUCKETS, its own credentials from boto3's chain): the
same predictions as through Label Studio, and Label Studio's request log shows no resolve request for it.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from PIL import Image

from ml_backend.training.shapes import CLASSES
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.devserver.s3 import LocalS3
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from tests.support.backends import wait_for_runs
from tests.support.labelstudio import auth_headers, unique_title
from tests.support.shapes import matched_shapes, write_test_images

KEY, SECRET, REGION = "labelops-test-key", "labelops-test-secret", "us-east-1"
DIRECT = "direct-shapes"  # the one bucket the module's backend reads from S3 itself


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3-compatible server on a loopback port (a real HTTP server speaking the S3 API)."""
    with LocalS3(tmp_path_factory.mktemp("moto") / "moto.log") as s3:
        yield s3.url


@pytest.fixture(scope="module")
def backend(label_studio, s3_endpoint, tmp_path_factory):
    root = tmp_path_factory.mktemp("storage-backend")
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "MODEL_DIR": str(root / "models"), "TRAIN_MIN_ANNOTATIONS": "1000", "TRAIN_EPOCHS": "2",
           "TRAIN_IMGSZ": "320",
           # one bucket read directly, with credentials and endpoint from boto3's standard chain (the environment)
           "MEDIA_S3_DIRECT_BUCKETS": DIRECT, "AWS_ENDPOINT_URL_S3": s3_endpoint, "AWS_ACCESS_KEY_ID": KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(root / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-creds")}
    server = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield server
    server.stop()


def _ls(label_studio, method: str, path: str, **kwargs) -> dict:
    resp = httpx.request(method, f"{label_studio.url}{path}", timeout=120,
                         headers=auth_headers(label_studio.url, label_studio.admin_token), **kwargs)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def _s3_storage(label_studio, pid: int, endpoint: str, bucket: str, presign: bool) -> None:
    storage = _ls(label_studio, "POST", "/api/storages/s3/", json={
        "project": pid, "title": f"{bucket} presign={presign}", "bucket": bucket, "prefix": "shapes/",
        "regex_filter": r".*\.png", "use_blob_urls": True, "presign": presign, "presign_ttl": 15,
        "aws_access_key_id": KEY, "aws_secret_access_key": SECRET, "region_name": REGION, "s3_endpoint": endpoint})
    _ls(label_studio, "POST", f"/api/storages/s3/{storage['id']}/sync")


def _original(ref: str) -> str:
    """The URI in task data: Label Studio's task API shows storage URIs as its resolve URL for the task."""
    if "/resolve/?fileuri=" in ref:
        return base64.urlsafe_b64decode(parse_qs(urlsplit(ref).query)["fileuri"][0]).decode()
    return ref


def _box_result(path: Path, shapes: list) -> list[dict]:
    with Image.open(path) as img:
        w, h = img.size
    return [{"from_name": "label", "to_name": "image", "type": "rectanglelabels", "original_width": w,
             "original_height": h, "value": {"x": 100 * s.box[0] / w, "y": 100 * s.box[1] / h,
                                             "width": 100 * (s.box[2] - s.box[0]) / w,
                                             "height": 100 * (s.box[3] - s.box[1]) / h, "rotation": 0,
                                             "rectanglelabels": [s.label.capitalize()]}} for s in shapes]


def test_uploads_local_files_and_s3_get_predictions_and_train_the_detector(
        label_studio, ls_client, backend, s3_endpoint, tmp_path) -> None:
    config = render_config(read_config("image_bbox"), {"label": [c.capitalize() for c in CLASSES]})
    pid = ls_client.create_project(title=unique_title("storages"), label_config=config)["id"]
    images = write_test_images(tmp_path, 8, seed=13579)
    truth = {path.name: (path, shapes) for path, shapes in images}

    uploaded = ls_client.upload_files(pid, [str(p) for p, _ in images[:2]])
    # local-files storage: files under Label Studio's document root, imported by a storage sync
    local_dir = Path(label_studio.extra_env["LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"]) / f"p{pid}"
    local_dir.mkdir()
    for path, _ in images[2:4]:
        shutil.copy(path, local_dir / path.name)
    storage = _ls(label_studio, "POST", "/api/storages/localfiles/", json={
        "project": pid, "title": "local", "path": str(local_dir), "regex_filter": r".*\.png", "use_blob_urls": True})
    _ls(label_studio, "POST", f"/api/storages/localfiles/{storage['id']}/sync")
    # S3: one bucket with presigned URLs (a redirect to the object), one proxied through Label Studio
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      region_name=REGION)
    for bucket, chunk in ((f"presigned-{pid}", images[4:6]), (f"proxied-{pid}", images[6:8])):
        s3.create_bucket(Bucket=bucket)
        for path, _ in chunk:
            s3.upload_file(str(path), bucket, f"shapes/{path.name}")
    s3.put_object(Bucket=f"presigned-{pid}", Key="shapes/not-an-image.png", Body=b"<html>oops</html>")
    _s3_storage(label_studio, pid, s3_endpoint, f"presigned-{pid}", presign=True)
    _s3_storage(label_studio, pid, s3_endpoint, f"proxied-{pid}", presign=False)
    stray = ls_client.import_tasks(pid, [{"image": "s3://no-such-bucket/shapes/x.png"}])[0]

    tasks = list(ls_client.iter_tasks(pid))
    refs = {t["id"]: _original(t["data"]["image"]) for t in tasks}
    assert sum(r.startswith("/data/upload/") for r in refs.values()) == 2
    assert sum(r.startswith("/data/local-files/?d=") for r in refs.values()) == 2
    assert sum(r.startswith("s3://") for r in refs.values()) == 6  # 2 + 2 + not-an-image + the stray one

    connect_backend(ls_client, pid, backend.url)
    preannotate(ls_client, pid, backend_url=backend.url, progress=False)
    found = total = 0
    by_id = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    for task_id, ref in refs.items():
        name = ref.rsplit("/", 1)[-1]
        if task_id in uploaded:
            name = next(n for n in truth if ref.endswith(n))  # Label Studio prefixes uploads with a hash
        if name not in truth:
            continue
        [prediction] = by_id[task_id]["predictions"]
        hits = matched_shapes(truth[name][1], prediction["result"])
        assert hits >= 1, (ref, prediction["result"])
        found, total = found + hits, total + len(truth[name][1])
    assert found >= 0.7 * total, f"{found} of {total} shapes found"
    log = Path(backend.log_path).read_text()
    bad = next(t for t, r in refs.items() if r.endswith("not-an-image.png"))
    assert f"task {bad}, control 'label': no prediction: not an image file (an HTML page)" in log
    assert (f"task {stray}, control 'label': no prediction: Label Studio could not resolve the storage URI "
            "(404") in log
    assert KEY not in log and SECRET not in log and label_studio.admin_token not in log

    # train the detector from annotations on tasks of every source
    chosen = [t for t in tasks if refs[t["id"]].startswith("/data/upload/")][:2]
    chosen += [t for t in tasks if refs[t["id"]].startswith("/data/local-files/")][:1]
    chosen += [t for t in tasks if refs[t["id"]].startswith(("s3://presigned", "s3://proxied"))
               and not refs[t["id"]].endswith("not-an-image.png")]
    for task in chosen:
        ref = refs[task["id"]]
        name = next(n for n in truth if ref.endswith(n))
        ls_client.create_annotation(task["id"], _box_result(*truth[name]))
    httpx.post(f"{backend.url}/webhook", json={"action": "START_TRAINING", "project": {"id": pid}}, timeout=30)
    run = wait_for_runs(backend.url, pid, 1, timeout=400)[-1]
    assert run["event"] == "trained", run
    assert run["controls"]["label"]["kind"] == "detector" and run["controls"]["label"]["examples"] == len(chosen)
    assert ls_client.project(pid)["model_version"] == f"labelops-p{pid}-v1"


def _resolved_in_label_studio(label_studio, since: int) -> list[str]:
    """The storage URIs Label Studio's resolve endpoint was asked for after byte `since` of its request log."""
    with open(label_studio.log_path, "rb") as log:
        log.seek(since)
        text = log.read().decode("utf-8", "replace")
    return [_original(f"/tasks/{task}/resolve/?fileuri={fileuri}")
            for task, fileuri in re.findall(r'"GET /(?:tasks|projects)/(\d+)/(?:resolve|presign)/\?fileuri=([^ "&]+)',
                                            text)]


@pytest.mark.api_feature
def test_allow_listed_bucket_is_read_by_the_backend_not_through_label_studio(
        label_studio, ls_client, backend, s3_endpoint, tmp_path) -> None:
    config = render_config(read_config("image_bbox"), {"label": [c.capitalize() for c in CLASSES]})
    pid = ls_client.create_project(title=unique_title("s3 direct"), label_config=config)["id"]
    images = write_test_images(tmp_path, 3, seed=24680)
    truth = {path.name: shapes for path, shapes in images}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      region_name=REGION)
    via_ls = f"via-ls-{pid}"  # not listed: through Label Studio, as before
    for bucket in (DIRECT, via_ls):  # the same images in both
        s3.create_bucket(Bucket=bucket)
        for path, _ in images:
            s3.upload_file(str(path), bucket, f"shapes/{path.name}")
        _s3_storage(label_studio, pid, s3_endpoint, bucket, presign=True)
    missing = ls_client.import_tasks(pid, [{"image": f"s3://{DIRECT}/shapes/missing.png"}])[0]
    refs = {t["id"]: _original(t["data"]["image"]) for t in ls_client.iter_tasks(pid)}
    assert sorted(refs.values()) == sorted([f"s3://{b}/shapes/{n}" for b in (DIRECT, via_ls) for n in truth]
                                           + [f"s3://{DIRECT}/shapes/missing.png"])

    since = Path(label_studio.log_path).stat().st_size
    preannotate(ls_client, pid, backend_url=backend.url, progress=False)  # sends the task API's resolve paths
    resolved = _resolved_in_label_studio(label_studio, since)
    assert not [uri for uri in resolved if uri.startswith(f"s3://{DIRECT}/")], resolved
    assert {f"s3://{via_ls}/shapes/{name}" for name in truth} <= set(resolved)  # the other bucket: via Label Studio

    def regions(task: dict) -> list[dict]:
        [prediction] = task["predictions"]
        return [{k: v for k, v in r.items() if k != "id"} for r in prediction["result"]]

    by_ref = {refs[t["id"]]: t for t in ls_client.iter_tasks(pid)}
    for name, shapes in truth.items():
        direct = regions(by_ref[f"s3://{DIRECT}/shapes/{name}"])
        through_ls = regions(by_ref[f"s3://{via_ls}/shapes/{name}"])
        assert direct == through_ls and matched_shapes(shapes, direct) >= 1, (name, direct, through_ls)
    log = Path(backend.log_path).read_text()
    assert (f"task {missing}, control 'label': no prediction: S3 object s3://{DIRECT}/shapes/missing.png not read: "
            "NoSuchKey (HTTP 404") in log
    assert KEY not in log and SECRET not in log
