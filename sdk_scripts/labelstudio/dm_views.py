"""Data Manager tabs: which columns a project's first tab shows, set through Label Studio's views API.

Label Studio 1.23 keeps each Data Manager tab as a view (`/api/dm/views/`, shared by everyone in the
organization). Its `data.hiddenColumns` lists the column ids hidden in the task table (`explore`) and in
the list beside the labeling view (`labeling`): `tasks:data.<field>` for task data, `tasks:<name>` for
Label Studio's own columns (`tasks:predictions_score`, `tasks:annotators`, ...). A project without a tab
gets a "Default" tab with Label Studio's stock columns the first time someone opens its Data Manager;
labelops makes that first tab itself, with the columns that help. Tabs that already exist were made or
changed by people in the UI and are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sdk_scripts.labelstudio.client import LabelStudioClient

PLACES = ("explore", "labeling")
DEFAULT_TAB = "Default"


def column_id(name: str) -> str:
    """`data.x` -> `tasks:data.x`; `predictions_score` -> `tasks:predictions_score`."""
    return f"tasks:{name}"


def hidden_columns(columns: Iterable[Mapping], hide: Mapping[str, Iterable[str]],
                   show: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Label Studio's stock hidden columns (from `/api/dm/columns/`), plus `hide`, minus `show` (pure).

    `hide` / `show` map a place (`explore`, `labeling`) to column names as `column_id` takes them; a
    hidden data field that has no task yet is listed all the same (its column appears with the first task).
    """
    out = {}
    for place in PLACES:
        stock = [column_id(_path(c)) for c in columns
                 if c.get("target", "tasks") == "tasks" and not c.get("children") and c.get("id") != "data"
                 and (c.get("visibility_defaults") or {}).get(place) is False]
        wanted = stock + [column_id(name) for name in hide.get(place, ())]
        shown = {column_id(name) for name in show.get(place, ())}
        out[place] = list(dict.fromkeys(c for c in wanted if c not in shown))
    return out


def _path(column: Mapping) -> str:
    return f"{column['parent']}.{column['id']}" if column.get("parent") else str(column["id"])


def ensure_default_tab(client: LabelStudioClient, project_id: int, hide: Mapping[str, Iterable[str]],
                       show: Mapping[str, Iterable[str]]) -> bool:
    """Make the project's first Data Manager tab with these columns, unless it has a tab already; True if made."""
    views = client._raw("GET", "api/dm/views/", f"list the Data Manager tabs of project {project_id}",
                        params={"project": project_id})
    if views or not isinstance(views, list):
        return False
    answer = client._raw("GET", "api/dm/columns/", f"list the Data Manager columns of project {project_id}",
                         params={"project": project_id})
    columns = answer.get("columns") if isinstance(answer, dict) else None
    data = {
        "title": DEFAULT_TAB,
        "type": "list",
        "target": "tasks",
        "hiddenColumns": hidden_columns([c for c in columns or [] if isinstance(c, dict) and "id" in c], hide, show),
        "filters": {"conjunction": "and", "items": []},
    }
    made = client._raw("POST", "api/dm/views/", f"make the Data Manager tab of project {project_id}",
                       json={"project": project_id, "data": data})
    # Another run made one at the same moment: the lowest id stays (ours is unused so far).
    listed = client._raw("GET", "api/dm/views/", f"list the Data Manager tabs of project {project_id}",
                         params={"project": project_id})
    ids = sorted(v["id"] for v in listed if isinstance(v, dict) and isinstance(v.get("id"), int)) \
        if isinstance(listed, list) else []
    if isinstance(made, dict) and ids and made.get("id") != ids[0]:
        client._raw("DELETE", f"api/dm/views/{made['id']}/", f"remove a duplicate tab of project {project_id}")
        return False
    return True
