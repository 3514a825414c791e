"""`make screenshots` covers every lesson, and the gallery page shows each one.

A lesson added to app/lessons.py without its pictures, its line in the gallery, or its entry
in the screenshot script fails here.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from app.lessons import EVERY_LESSON as LESSONS

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "docs" / "lessons.md"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_every_lesson_is_shot_at_both_projector_sizes(script):
    taken = {(shot.name, shot.width, shot.height): shot for shot in script.shots()}
    for key in LESSONS:
        for width, height in ((1920, 1080), (1280, 720)):
            shot = taken.get((f"lessons/{key}-{width}", width, height))
            assert shot is not None, f"{key} is not shot at {width}x{height}"
            assert shot.query == f"preset={key}" and shot.action == ""


def test_the_readme_presentation_and_embed_shots_are_kept(script):
    taken = {shot.name: shot for shot in script.shots()}
    for name in ("default", "compare", "finder", "map"):
        assert (taken[name].width, taken[name].height) == (1280, 720)
    assert taken["lessons/presenting-1920"].action == "present"
    embed = taken["lessons/embed-960"]
    assert (embed.width, embed.height) == (960, 540) and "embed=1" in embed.query
    assert len(taken) == len(script.shots()), "two shots would write one file"


def test_the_gallery_names_every_lesson_and_its_pictures(script):
    text = GALLERY.read_text(encoding="utf-8")
    assert set(script.NOTICE) == set(LESSONS), "every lesson needs a line on what to notice"
    images = set(re.findall(r"\]\((img/[^)]+\.png)\)", text))
    for key, lesson in LESSONS.items():
        assert f"?preset={key}`" in text and lesson.number in text
        for width in (1920, 1280):
            assert f"img/lessons/{key}-{width}.png" in images, f"the gallery lacks {key} at {width}"
    missing = [image for image in images if not (ROOT / "docs" / image).is_file()]
    assert not missing, f"run `make screenshots`: the gallery shows missing images {missing}"
