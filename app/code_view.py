"""The Code view under the player: the run on screen as a runnable PyTorch script beside its
nearest Keras 3 version, each in a code block with a copy button.

The scripts are engine.code's for a 2-D run and engine.network.code's for a network (both
checked against real PyTorch runs); this module rebuilds the run from the page's
"current-config" Store, as the explorers do, and says so plainly when a script cannot be what
the page shows: uploaded data has no formula, and a store that does not build a run (stale or
tampered) gives a note.
"""

from __future__ import annotations

from dash import dcc, html

from app.i18n import t
from app.network_page import NETWORK
from app.network_page import config_from_dict as network_from_dict
from app.request import page_lang
from app.runs import config_from_dict, own_problem
from engine.catalog import surface_name
from engine.code import keras_code, torch_code
from engine.network.code import network_keras_code, network_torch_code
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

# The code blocks' ids: each copy button copies its block's text.
BLOCK_IDS = {"torch": "code-torch", "keras": "code-keras"}


def code_children(current, surface, custom, upload, lang) -> list:
    """The Code view for the run on screen: two panels (PyTorch | Keras), or one short note."""
    lang = page_lang(lang)
    if surface == NETWORK:
        return network_code_children(current, lang)
    if not isinstance(current, dict) or not current:
        return [note(t("code_no_run", lang))]
    try:
        problem = own_problem(surface, custom, upload)
        config = config_from_dict(current, {surface: problem} if problem is not None else None)
        own = surface_name(config.surface) == "custom"
        formula = custom.get("formula") if own and isinstance(custom, dict) else None
        torch_text, keras_text = torch_code(config, formula), keras_code(config, formula)
    except (ValueError, TypeError, KeyError, AttributeError):
        return [note(t("code_no_run", lang))]
    notes = []
    if surface == "upload":
        notes.append(note(t("code_upload", lang, rows=config.problem.n)))
    return [*notes, panels(config, torch_text, keras_text, t("code_torch_note", lang), lang)]


def network_code_children(current, lang: str) -> list:
    """The Code view for the network run on screen (its Store holds the network's dict)."""
    try:
        config = network_from_dict(current)
        torch_text, keras_text = network_torch_code(config), network_keras_code(config)
    except (ValueError, TypeError, KeyError, AttributeError):
        return [note(t("code_no_run", lang))]
    return [panels(config, torch_text, keras_text, t("code_network_torch_note", lang), lang)]


def panels(config, torch_text: str, keras_text: str, torch_about: str, lang: str) -> html.Div:
    """The two scripts side by side; under Keras, a word on each entry Keras has no equivalent of."""
    missing = [
        entry.torch_class or entry.title
        for entry in (OPTIMIZERS[config.optimizer], SCHEDULES[config.scheduler])
        if entry.keras_name is None
    ]
    keras_note = " ".join([*(t("code_no_keras", lang, name=name) for name in missing), t("code_keras_notes", lang)])
    return html.Div(
        [
            panel("torch", t("code_torch_title", lang), torch_text, torch_about, lang),
            panel("keras", t("code_keras_title", lang), keras_text, keras_note, lang),
        ],
        className="code-panels",
    )


def panel(kind: str, title: str, text: str, about: str, lang: str) -> html.Div:
    """One script: its heading and copy button, one line about it, then the code block (the
    line is one row in both panels, so the two blocks start level; its title holds it whole)."""
    block_id = BLOCK_IDS[kind]
    return html.Div(
        [
            html.Div(
                [
                    html.H3(title, className="code-title"),
                    dcc.Clipboard(id=f"{block_id}-copy", target_id=block_id, title=t("code_copy", lang), className="code-copy"),
                ],
                className="code-head",
            ),
            html.P(about, title=about, className="code-note code-about"),
            html.Pre(html.Code(text, id=block_id, className="language-python"), className="code-block"),
        ],
        className=f"code-panel code-{kind}",
    )


def note(text: str) -> html.P:
    return html.P(text, className="code-note")
