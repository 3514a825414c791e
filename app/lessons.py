"""One preset per lesson of the lecture (L1-L12), opened as ?preset=<key>.

Each preset is a handful of runs: the current run last, the ones before it pinned beside it for
comparison. `expected` is the outcome the engine gives each run; tests/test_lessons.py checks
it, so a preset cannot quietly stop showing its lesson when the engine changes. The settings
were chosen by running the engine, not by theory alone; the numbers the explanations quote
(rates, curvatures, steps per epoch) are the presets' own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine import OUTCOMES, RunConfig

MAX_RUNS = 4  # the app compares at most 4 paths
MAX_STEPS = 2000  # keeps every preset quick to simulate and to play back

# L8: the lecture's recipe, start at 1e-3 and climb by ×3. The bowl's steep curvature is 3,
# so 2/3 is where plain descent starts to diverge: 0.729 is the first rung past it.
LADDER_RATES = tuple(round(1e-3 * 3**k, 6) for k in range(3, 7))  # 0.027 0.081 0.243 0.729

# L9 on the trap: the pothole holds only rates below ~2/8, the deep basin rates up to ~2.
CYCLIC = {"base_lr": 0.02, "max_lr": 1.0, "step_size_up": 50}
WARM_RESTARTS = {"T_0": 100, "eta_min": 0.0}


@dataclass(frozen=True)
class Lesson:
    """A lesson of the lecture as a preset of runs, with its outcomes and its words."""

    key: str  # URL name: ?preset=<key>
    number: str  # "L4"
    title: dict[str, str]  # language -> title
    explanation: dict[str, str]  # language -> two or three sentences
    runs: tuple[RunConfig, ...]  # the current run last; earlier ones are pinned comparisons
    expected: tuple[str, ...]  # the engine's outcome for each run, same order

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.key):
            raise ValueError(f"lesson key {self.key!r} is not a lowercase, dash-separated URL name")
        if not 1 <= len(self.runs) <= MAX_RUNS:
            raise ValueError(f"{self.key}: {len(self.runs)} runs, expected 1 to {MAX_RUNS}")
        if len(self.expected) != len(self.runs):
            raise ValueError(f"{self.key}: {len(self.expected)} outcomes for {len(self.runs)} runs")
        unknown = [outcome for outcome in self.expected if outcome not in OUTCOMES]
        if unknown:
            raise ValueError(f"{self.key}: unknown outcomes {unknown}, expected from {OUTCOMES}")
        if any(run.steps > MAX_STEPS for run in self.runs):
            raise ValueError(f"{self.key}: a run has more than {MAX_STEPS} steps")
        for text in (self.title, self.explanation):
            if not text.get("en"):
                raise ValueError(f"{self.key}: every text needs an English version")

    @property
    def current(self) -> RunConfig:
        """The run the controls show; the others are pinned beside it."""
        return self.runs[-1]


def lesson_text(lesson: Lesson, lang: str) -> tuple[str, str]:
    """(title, explanation) in lang, falling back to English."""
    title = lesson.title.get(lang) or lesson.title["en"]
    explanation = lesson.explanation.get(lang) or lesson.explanation["en"]
    return title, explanation


_LESSONS = (
    Lesson(
        key="gradient-descent",
        number="L1",
        title={"en": "Gradient descent: walk downhill", "ko": "경사 하강법: 내리막으로 한 걸음씩"},
        explanation={
            "en": "Training moves the weights so that the loss shrinks. The gradient points where "
            "the loss rises fastest, so each step of gradient descent moves against it: "
            "new = old − learning rate × gradient. Watch the arrow at the current point and the "
            "loss curve falling.",
            "ko": "학습이란 손실이 줄어들도록 가중치를 움직이는 것입니다. 기울기는 손실이 가장 "
            "빠르게 커지는 방향을 가리키므로, 경사 하강법은 매 스텝 그 반대 방향으로 움직입니다: "
            "새 값 = 이전 값 − 학습률 × 기울기. 현재 위치의 기울기 화살표와 내려가는 손실 곡선을 "
            "지켜보세요.",
        },
        runs=(RunConfig(surface="bowl", lr=0.1, steps=100),),
        expected=("converged",),
    ),
    Lesson(
        key="data-fit",
        number="L2",
        title={"en": "The loss of fitting a line (MSE)", "ko": "직선 맞추기의 손실 (MSE)"},
        explanation={
            "en": "Fitting the line ŷ = w·x + b to house prices is gradient descent on the plane "
            "of (w, b). The loss is the mean squared error with a ½ in front, "
            "L = 1/(2n) Σ (w·x + b − y)², so the 2 from differentiating the square cancels: "
            "∂L/∂w = 1/n Σ (w·x + b − y)·x and ∂L/∂b = 1/n Σ (w·x + b − y). Each step moves the "
            "fitted line over the data (the area x is standardized here; the normalization "
            "lesson shows why).",
            "ko": "집값 데이터에 직선 ŷ = w·x + b를 맞추는 일은 (w, b) 평면 위의 경사 하강법입니다. "
            "손실은 앞에 ½을 붙인 평균제곱오차 L = 1/(2n) Σ (w·x + b − y)²이고, ½ 덕분에 제곱을 "
            "미분할 때 나오는 2가 약분되어 ∂L/∂w = 1/n Σ (w·x + b − y)·x, "
            "∂L/∂b = 1/n Σ (w·x + b − y)로 깔끔해집니다. 스텝마다 적합된 직선이 데이터 위에서 "
            "움직입니다 (여기서 면적 x는 표준화되어 있으며, 그 이유는 정규화 주제에서 다룹니다).",
        },
        runs=(RunConfig(surface="linreg", normalization="standard", lr=0.1, steps=100),),
        expected=("converged",),
    ),
    Lesson(
        key="shrinking-steps",
        number="L3",
        title={"en": "Steps shrink near the minimum", "ko": "최소점에 가까울수록 짧아지는 스텝"},
        explanation={
            "en": "A step is the learning rate times the gradient. Near the minimum the surface "
            "flattens, so the gradient shrinks and the steps shrink with it, although the "
            "learning rate never changes. The gradient-size curve falls and the arrows get "
            "shorter.",
            "ko": "한 스텝의 이동 폭은 학습률 × 기울기입니다. 최소점 근처에서는 곡면이 평평해져 "
            "기울기가 작아지므로, 학습률은 그대로인데도 스텝이 점점 짧아집니다. 기울기 크기 "
            "곡선이 떨어지고 화살표가 짧아지는 것을 확인하세요.",
        },
        runs=(RunConfig(surface="bowl", lr=0.2, steps=60),),
        expected=("converged",),
    ),
    Lesson(
        key="overshooting",
        number="L4",
        title={"en": "Too large a rate: overshooting", "ko": "너무 큰 학습률: 오버슈팅"},
        explanation={
            "en": "A large learning rate moves fast, but every step jumps past the minimum to the "
            "other side of the valley. Here lr = 0.65 is just below 2/λ = 2/3 for the steep "
            "direction (curvature λ = 3), so the path zig-zags across the valley step after "
            "step and closes in only slowly.",
            "ko": "학습률이 크면 빠르게 움직이지만, 매 스텝이 최소점을 지나쳐 골짜기 반대편으로 "
            "넘어갑니다. 여기서 학습률 0.65는 가파른 방향(곡률 λ = 3)의 한계 2/λ = 2/3보다 "
            "조금 작아서, 경로가 계속 골짜기를 지그재그로 가로지르며 아주 천천히 다가갑니다.",
        },
        runs=(RunConfig(surface="bowl", lr=0.65, steps=50),),
        expected=("overshooting",),
    ),
    Lesson(
        key="divergence",
        number="L5",
        title={"en": "Far too large a rate: divergence", "ko": "지나치게 큰 학습률: 발산"},
        explanation={
            "en": "Once the learning rate passes 2/λ (here 2/3), every jump lands farther from the "
            "minimum than the one before. The zig-zag grows, the loss explodes and the run "
            "diverges: it bounces off the surface and never comes back.",
            "ko": "학습률이 2/λ(여기서는 2/3)를 넘으면 매번 이전보다 최소점에서 더 먼 곳에 "
            "떨어집니다. 지그재그가 점점 커지고 손실이 폭발하여 발산합니다: 곡면 밖으로 튕겨 "
            "나가 다시는 돌아오지 못합니다.",
        },
        runs=(RunConfig(surface="bowl", lr=0.8, steps=50),),
        expected=("diverged",),
    ),
    Lesson(
        key="too-slow",
        number="L6",
        title={"en": "Too small a rate: too slow", "ko": "너무 작은 학습률: 너무 느림"},
        explanation={
            "en": "With lr = 0.001 every update is tiny: after 300 steps the point is still far "
            "from the minimum and the loss is about a third of where it started. Getting there "
            "would take about 3,000 steps, where lr = 0.1 needs about 30.",
            "ko": "학습률이 0.001이면 업데이트가 아주 작아서, 300 스텝이 지나도 최소점과 한참 "
            "떨어져 있고 손실도 아직 처음의 3분의 1 정도가 남아 있습니다. 최소점까지 가려면 "
            "약 3,000 스텝이 필요합니다. 학습률 0.1이면 30 스텝 정도면 충분합니다.",
        },
        runs=(RunConfig(surface="bowl", lr=0.001, steps=300),),
        expected=("slow",),
    ),
    Lesson(
        key="local-minimum",
        number="L7",
        title={"en": "Stuck in a local minimum", "ko": "지역 최소점에 갇힘"},
        explanation={
            "en": "This surface has a narrow pothole beside a wider, deeper basin. Started on the "
            "pothole's rim with a small learning rate, descent rolls into the pothole and stops: "
            "the gradient there is 0, yet the loss is not the lowest. Real loss surfaces have "
            "many such points.",
            "ko": "이 곡면에는 좁은 웅덩이 옆에 더 넓고 깊은 분지가 있습니다. 작은 학습률로 웅덩이 "
            "가장자리에서 출발하면 웅덩이 안으로 굴러 들어가 멈춥니다: 그곳의 기울기는 0이지만 "
            "손실이 가장 낮은 곳은 아닙니다. 실제 손실 곡면에는 이런 지점이 많습니다.",
        },
        runs=(RunConfig(surface="trap", lr=0.05, steps=200),),
        expected=("local_minimum",),
    ),
    Lesson(
        key="lr-ladder",
        number="L8",
        title={"en": "Finding the rate: a ladder ×3 apart", "ko": "학습률 찾기: 3배 간격 사다리"},
        explanation={
            "en": "The only way to choose a learning rate is to try several: start at 0.001 or "
            "0.0001 and go up or down by ×3. Here the same descent runs at 0.027, 0.081, 0.243 "
            "and 0.729. The smallest is too slow and the largest diverges, so the final loss "
            "against the rate dips in between: pick a rate from the bottom of the dip.",
            "ko": "학습률을 고르는 방법은 여러 값을 직접 시도해 보는 것뿐입니다: 0.001이나 "
            "0.0001에서 시작해 3배씩 올리거나 내려 봅니다. 여기서는 같은 경사 하강법을 0.027, "
            "0.081, 0.243, 0.729로 실행합니다. 가장 작은 값은 너무 느리고 가장 큰 값은 발산해서, "
            "학습률에 따른 최종 손실은 그 사이에서 가장 낮아집니다: 그 바닥의 학습률을 고르세요.",
        },
        runs=tuple(RunConfig(surface="bowl", lr=rate, steps=80) for rate in LADDER_RATES),
        expected=("slow", "converged", "converged", "diverged"),
    ),
    Lesson(
        key="schedulers",
        number="L9",
        title={
            "en": "Schedulers: the rate changes during training",
            "ko": "스케줄러: 학습 중에 바뀌는 학습률",
        },
        explanation={
            "en": "A scheduler changes the learning rate as training goes on. Step decay cuts it "
            "tenfold at fixed steps, cosine annealing lowers it along half a cosine wave, and "
            "one-cycle warms up to a peak and then anneals: compare the rate-against-step curves.",
            "ko": "스케줄러는 학습이 진행되는 동안 학습률을 바꿉니다. 스텝 감쇠(StepLR)는 정해진 스텝마다 "
            "학습률을 10분의 1로 줄이고, 코사인 어닐링(CosineAnnealingLR)은 코사인 곡선의 절반을 따라 낮추며, "
            "원사이클(OneCycleLR)은 최고점까지 올렸다가 다시 낮춥니다: 스텝에 따른 학습률 곡선을 비교해 "
            "보세요.",
        },
        runs=tuple(
            RunConfig(surface="bowl", lr=0.3, scheduler=name, steps=100)
            for name in ("step", "onecycle", "cosine")
        ),
        expected=("converged", "converged", "converged"),
    ),
    Lesson(
        key="scheduler-escape",
        number="L9",
        title={"en": "Schedulers against a local minimum", "ko": "스케줄러로 지역 최소점 벗어나기"},
        explanation={
            "en": "ReduceLROnPlateau cuts the rate when the loss stops falling: it converges fast, "
            "but it only ever lowers the rate, so once it settles in the pothole it stays there. "
            "Cyclical LR and cosine annealing with warm restarts raise the rate again and again: "
            "a high rate throws the point out of the narrow pothole into the wide basin, where it "
            "settles as the rate falls. They are slower, but better at escaping local minima.",
            "ko": "ReduceLROnPlateau는 손실이 더 이상 줄지 않을 때 학습률을 낮춥니다: 빨리 "
            "수렴하지만 학습률을 낮추기만 하므로, 한번 웅덩이에 자리 잡으면 빠져나오지 못합니다. "
            "순환 학습률(CyclicLR)과 웜 리스타트 코사인 어닐링은 학습률을 거듭 다시 올립니다: 높은 "
            "학습률이 점을 좁은 웅덩이 밖 넓은 분지로 튕겨 내고, 학습률이 내려가면 그곳에 자리 "
            "잡습니다. 더 느리지만 지역 최소점에서 더 잘 빠져나옵니다.",
        },
        runs=(
            RunConfig(surface="trap", lr=0.1, scheduler="plateau", steps=400),
            RunConfig(
                surface="trap",
                lr=CYCLIC["base_lr"],
                scheduler="cyclic",
                scheduler_params=CYCLIC,
                steps=400,
            ),
            RunConfig(
                surface="trap",
                lr=1.0,
                scheduler="cosine_restarts",
                scheduler_params=WARM_RESTARTS,
                steps=400,
            ),
        ),
        expected=("local_minimum", "converged", "converged"),
    ),
    Lesson(
        key="normalization",
        number="L10",
        title={
            "en": "Inputs on different scales: standardize",
            "ko": "입력의 스케일이 크게 다를 때: 표준화",
        },
        explanation={
            "en": "The raw area runs from 40 to 200 m², so the loss over (w, b) is a ravine about "
            "10⁵ times more sharply curved one way than the other, and no rate works: lr = 0.1 "
            "diverges at once, while lr = 0.0001, small enough not to diverge, zig-zags, then "
            "crawls. Standardizing the input, x′ = (x − μ)/σ, makes the contours round, and the "
            "same lr = 0.1 converges quickly.",
            "ko": "원본 면적은 40~200 m²라서 (w, b)에 대한 손실 곡면이 한쪽 방향으로 다른 쪽보다 "
            "약 10⁵배 더 가파르게 휜 협곡이 되고, 어떤 학습률도 통하지 않습니다: 학습률 0.1은 "
            "곧바로 발산하고, 발산하지 않을 만큼 작은 0.0001은 지그재그로 흔들리다가 기어가듯 느려집니다. 입력을 "
            "x′ = (x − μ)/σ로 표준화하면 등고선이 둥글어지고, 같은 학습률 0.1로 빠르게 "
            "수렴합니다.",
        },
        runs=(
            RunConfig(surface="linreg", normalization="none", lr=0.0001, steps=100),
            RunConfig(surface="linreg", normalization="none", lr=0.1, steps=100),
            RunConfig(surface="linreg", normalization="standard", lr=0.1, steps=100),
        ),
        expected=("slow", "diverged", "converged"),
    ),
    Lesson(
        key="minmax",
        number="L11",
        title={"en": "Min-max scaling in place of σ", "ko": "σ 대신 최소-최대 정규화"},
        explanation={
            "en": "When σ is hard to get, the range max − min can stand in for it: "
            "x′ = (x − min)/(max − min). At the same lr = 0.5 the raw input diverges while both "
            "scaled inputs converge; the min-max contours are less round than the standardized "
            "ones, so it needs more steps.",
            "ko": "σ를 구하기 어려울 때는 범위 max − min으로 대신할 수 있습니다: "
            "x′ = (x − min)/(max − min). 같은 학습률 0.5에서 원본 입력은 발산하지만 정규화한 두 "
            "입력은 모두 수렴합니다. 다만 최소-최대 정규화의 등고선은 표준화보다 덜 둥글어서 "
            "스텝이 더 많이 필요합니다.",
        },
        runs=tuple(
            RunConfig(surface="linreg", normalization=name, lr=0.5, steps=200)
            for name in ("none", "standard", "minmax")
        ),
        expected=("diverged", "converged", "converged"),
    ),
    Lesson(
        key="batch-size",
        number="L12",
        title={
            "en": "Batch size: noisy or steady steps",
            "ko": "배치 크기: 흔들리는 스텝과 꾸준한 스텝",
        },
        explanation={
            "en": "With a batch of 1 each step looks at one house: it is cheap but noisy, sometimes "
            "heads the wrong way, and uses the hardware poorly, so the whole run is slower. The "
            "full batch of all 100 houses steps steadily toward the minimum, but each step costs "
            "all the data and the memory to hold it. A mini-batch of 16 sits in between: "
            "an epoch takes 100, 7 and 1 steps for batches of 1, 16 and 100.",
            "ko": "배치 크기가 1이면 스텝마다 집 한 채만 봅니다: 한 스텝은 가볍지만 흔들리고 때로는 "
            "엉뚱한 방향으로 가며, 하드웨어를 제대로 활용하지 못해 전체 학습은 오히려 느립니다. "
            "100채 전체를 쓰는 전체 배치는 최소점을 향해 꾸준히 나아가지만, 스텝마다 모든 "
            "데이터를 계산해야 하고 그만큼 메모리가 필요합니다. 16개씩 쓰는 미니 배치는 그 "
            "중간입니다: 한 에포크는 배치 크기 1, 16, 100일 때 각각 100, 7, 1 스텝입니다.",
        },
        runs=tuple(
            RunConfig(
                surface="linreg",
                normalization="standard",
                lr=0.05,
                batch_size=size,
                steps=300,
                seed=0,
            )
            for size in (1, 16, None)
        ),
        expected=("converged", "converged", "converged"),
    ),
)

LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in _LESSONS}
if len(LESSONS) != len(_LESSONS):
    raise ValueError("two lessons share a key")
