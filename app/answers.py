"""The main callback's answers: computed from the view model, remembered, sent whole or as a patch.

No per-user state on the server: any worker process can answer any request. The one
module-level store is a memo: main_outputs keeps the last answers of the main callback keyed
by what they depend on (request_key; identical requests, such as a class opening the same
lesson, are answered from it), bounded in entries and in bytes; its counts are cache_stats().
When only the runs changed, the map under them is not sent again (paths_only, path_patch).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections import OrderedDict

from dash import Patch, no_update
from plotly.io.json import to_json_plotly

from app import figures, network_page
from app.navigation import url_search
from app.request import PageRequest, param_controls, request_fields
from app.runs import params_from_controls, specs_of
from app.viewmodel import ERROR_SLOTS, compute_views
from app.viewstate import view_flags
from engine.optimizers import OPTIMIZER_PARAMS
from engine.schedules import SCHEDULER_PARAMS

# Inputs that change the map under the paths: their change re-sends whole figures.
SURFACE_INPUTS = frozenset(
    {"surface", "normalization", "formula-text", "formula-x-range", "formula-y-range", "upload-data", "upload-x", "upload-y"}
)


CACHE_SIZE = 128  # answers the memo keeps at most...


CACHE_BYTES = 32 * 2**20  # ...and at most this many bytes of them (answer_bytes), per worker


DIGEST_OVER = 256  # an input longer than this as JSON enters the memo's key as its digest


CACHE_HEADER = "X-Descent-Cache"


def request_key(request: PageRequest) -> str:
    """What the main callback's answer depends on, as one short text: equal keys, equal answers.

    The formula's fields count only when the surface is "custom", the uploaded table and its
    columns only when it is "upload", the view flags as the callback reads them; an input
    longer than DIGEST_OVER characters of canonical JSON enters as its blake2b digest, so
    junk in a request never grows the key.
    """
    own = {"formula", "x_range", "y_range", "table", "upload_x", "upload_y"}
    controls = {"opt_values", "opt_ids", "sched_values", "sched_ids"}
    parts = [getattr(request, name) for name in request_fields() if name not in own | controls and name != "flags"]
    parts += [
        _typed(request.opt_values, request.opt_ids, request.optimizer, OPTIMIZER_PARAMS),
        _typed(request.sched_values, request.sched_ids, request.scheduler, SCHEDULER_PARAMS),
        request.own_inputs(),
        view_flags(request.flags),
    ]
    return "|".join(_digest(part) for part in parts)


def _typed(values, ids, owner, table):
    """What the run reads of the parameter controls (app.runs.params_from_controls, table the
    owners' specs). A new optimizer's block arriving at its defaults asks the main callback
    again with other controls, and the same run: the same key."""
    if not param_controls(values, ids):
        return [values, ids]
    return params_from_controls(values, ids, owner, specs_of(table, owner))


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    if len(text) <= DIGEST_OVER:
        return text
    return "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def answer_bytes(value) -> int:
    """About how much memory an answer holds: its strings, numbers and containers, each shared
    object once; Dash components by their JSON form."""
    seen: set[int] = set()
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if hasattr(item, "to_plotly_json"):
            item = item.to_plotly_json()
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return total


class AnswerMemo:
    """The main callback's last answers (least recently used out first), at most CACHE_SIZE
    of them and at most CACHE_BYTES by answer_bytes; an answer bigger than a quarter of that
    is not kept. Safe for a worker's threads; answers are computed outside the lock."""

    def __init__(self, compute, entries: int = CACHE_SIZE, max_bytes: int = CACHE_BYTES):
        self.__wrapped__ = compute
        self.entries, self.max_bytes = entries, max_bytes
        self._answers: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = self.bytes = 0

    def answer(self, request: PageRequest) -> tuple[object, bool]:
        """The answer for the main callback's request, and whether it came from the memo."""
        key = request_key(request)
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return found[0], True
            self.misses += 1
        answer = self.__wrapped__(request)
        size = answer_bytes(answer)
        if size <= self.max_bytes // 4:
            with self._lock:
                if key not in self._answers:
                    self._answers[key] = (answer, size)
                    self.bytes += size
                while len(self._answers) > self.entries or self.bytes > self.max_bytes:
                    _, (_, dropped) = self._answers.popitem(last=False)
                    self.bytes -= dropped
        return answer, False

    def __call__(self, request: PageRequest):
        return self.answer(request)[0]

    def cache_clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.hits = self.misses = self.bytes = 0

    def cache_info(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "size": len(self._answers), "bytes": self.bytes}


def _main_outputs(request: PageRequest):
    """The main callback's outputs (full figures, compacted; the map as paths and the layer
    under them, the last output) and the config drawn, or None.

    Memoized per process (main_outputs): the answer depends on nothing but request_key's parts.
    """
    if request.surface == network_page.NETWORK:
        outputs, config = network_page.network_outputs(request)
        return (*outputs, no_update if outputs[0] is no_update else figures.empty_layer()), config
    outputs, config = _views(request)
    if outputs[0] is no_update:
        return (*outputs, no_update), config
    paths, layer = figures.map_layers(outputs[0])
    return (paths, *outputs[1:], layer), config


def _views(request: PageRequest):
    """The outputs of a 2-D surface's view (the map whole) and the config drawn, or None."""
    flags = view_flags(request.flags)
    custom = request.custom
    result = compute_views(
        request.surface, request.optimizer, request.lr, request.scheduler, request.batch_size,
        request.normalization, request.steps, request.seed, request.start_x, request.start_y,
        request.opt_values, request.opt_ids, request.sched_values, request.sched_ids, request.pinned,
        flags.get("lang", "en"), custom=custom, upload=request.upload, x_axis=request.curve_x,
    )  # fmt: skip
    errors = [result["errors"][slot] for slot in ERROR_SLOTS]
    if not result["ok"]:
        return (*[no_update] * 10, result["notice"], *errors, *network_page.idle_outputs()), None
    outputs = (
        figures.compact(result["contour"], plain=figures.whole_path_slots()),
        figures.compact(result["surface3d"]),
        figures.compact(result["loss"]),
        figures.compact(result["lr"]),
        figures.compact(result["third"]),
        result["badges"],
        result["formula"],
        result["summary"],
        result["config"],
        url_search(result, flags, custom if request.surface == "custom" else None) if request.surface != "upload" else no_update,
        result["notice"],
        *errors,
        *network_page.idle_outputs(),
    )
    return outputs, result["config"]


main_outputs = AnswerMemo(_main_outputs)


def cache_stats() -> dict:
    """This process's memo of the main callback: hits, misses, entries, bytes held."""
    return {**main_outputs.cache_info(), "pid": os.getpid()}


def paths_only(triggered, last_config, config, surface) -> bool:
    """Whether the browser's figures already show this map, so only the paths need sending:
    something other than the map's inputs changed, and the last drawn run was on the same
    surface and scaling (after an error the browser may still show an older map)."""
    ids = [str(i) for i in (triggered or {}).values()]
    # the network's map is a slice around the current run's final weights: any change moves it
    if not ids or any(i in SURFACE_INPUTS for i in ids) or surface in ("custom", "upload", network_page.NETWORK):
        return False
    if not isinstance(last_config, dict):
        return False
    return all(last_config.get(k) == config.get(k) for k in ("surface", "normalization"))


def as_shown(outputs: list, slots, shown: dict, last_config, values: dict) -> list:
    """The main callback's outputs (slots: their (id, prop)) with no_update for what the page
    already shows: each prop the browser is sent costs its renderer an update of the whole
    layout, and a children prop a re-mount (issue 16). Left as they are:
    - a text equal to the one the page holds (shown: (id, prop) -> the page's value);
    - the one-line summary outside embed mode, where it is not on screen (.embed .summary);
    - the network's third-graph Store, emptied ({}) on a 2-D view, when the last run drawn was
      not the network's: only a network run drawn (current-config then holds it) fills it.
    """
    for index, slot in enumerate(slots):
        value = outputs[index]
        if value is no_update:
            continue
        if slot in shown and _same(value, shown[slot]):
            outputs[index] = no_update
        elif slot == ("summary", "children") and not view_flags(values.get("flags"))["embed"]:
            outputs[index] = no_update
        elif slot == ("network-third", "data") and value == {} and isinstance(last_config, dict):
            if last_config.get("surface") != network_page.NETWORK:
                outputs[index] = no_update
    return outputs


def _same(value, held) -> bool:
    """Whether an output equals what the page holds: a component by its JSON form, as the
    renderer sends it back."""
    if isinstance(value, str) or value is None:
        return value == held
    return json.loads(to_json_plotly(value)) == held


def path_patch(figure: dict, contour: bool) -> Patch:
    """Replace the run traces (data[1:]: paths, and on the contour the arrows) and, on the
    contour, the title, which holds the arrows' key."""
    patch = Patch()
    for index in range(1, len(figure["data"])):
        patch["data"][index] = figure["data"][index]
    if contour:
        patch["layout"]["title"] = figure["layout"]["title"]
    return patch
