"""The words: every key in both languages, and the Korean grammar the notices use."""

from __future__ import annotations

import string

import pytest

from app.i18n import LANGUAGES, TEXT, korean_allowed, object_particle, t
from engine.outcome import OUTCOMES


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_word_is_in_both_languages_with_the_same_placeholders(key):
    entry = TEXT[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert placeholders(entry["ko"]) == placeholders(entry["en"])


def test_the_explore_views_words_are_in_the_one_table():
    # Each outcome has its legend name; the second settings with a lecture word have theirs.
    for outcome in OUTCOMES:
        assert f"explore_{outcome}" in TEXT
    for second in ("momentum", "beta1", "batch_size"):
        assert f"explore_{second}" in TEXT
    assert t("explore_diverged_at", "ko", step=7) == "7 스텝에서 발산"


@pytest.mark.parametrize(
    "english, korean",
    [
        ("a number in [1e-05, 10]", "[1e-05, 10] 범위의 숫자"),
        ("an integer in [1, 10000]", "[1, 10000] 범위의 정수"),
        ("two numbers, each in [0, 1)", "각각 [0, 1) 범위의 숫자 두 개"),
        ("a number >= base_lr", "base_lr 이상의 숫자"),
        ("one of rel, abs", "rel, abs 중 하나"),
        ("true or false", "true 또는 false"),
        ("full", "full"),  # not one of the engine's phrases: unchanged
    ],
)
def test_korean_allowed_puts_the_range_before_the_noun(english, korean):
    assert korean_allowed(english) == korean


@pytest.mark.parametrize(
    "word, particle",
    [
        ("0.1", "을"),  # 일: a final consonant
        ("0.5", "를"),  # 오: a vowel
        ("16", "을"),  # 육
        ("1e-5", "를"),  # 오
        ("전체 배치", "를"),  # 치: a vowel
        ("곡면의 기본 시작점", "을"),  # 점: a final consonant
        ("기본값(실행에 맞춰 정해짐)", "을"),  # the word before the parenthesis counts
        ("full", "을(를)"),  # Latin letters: the reading is unclear
        ("", "을(를)"),
    ],
)
def test_object_particle_follows_the_last_syllable(word, particle):
    assert object_particle(word) == particle
