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

from app.figures.style import MAX_RUNS
from engine import OUTCOMES, RunConfig
from engine.network import NetworkConfig

MAX_STEPS = 2000  # keeps every preset quick to simulate and to play back

# L5 on the ravine: its walls have curvature 40, so plain descent diverges once lr > 2/40.
# The start lies near the floor, so the zig-zag across it takes a dozen steps to leave the map.
RAVINE_START = (-4.0, -2.0)

# L8: the lecture's recipe, start at 1e-3 and climb by ×3 until the run diverges. On the bowl
# (steepest curvature 3, so divergence past 2/3) that takes seven rungs, 0.001 to 0.729; the
# map has room for four paths: the first rung and the last three. The final-loss plot shows
# the whole ladder (app/callbacks.py fills in the rungs between).
LADDER_RATES = tuple(round(1e-3 * 3**k, 6) for k in range(7))  # 0.001 0.003 ... 0.729
LADDER_SHOWN = (LADDER_RATES[0], *LADDER_RATES[-3:])  # 0.001, 0.081, 0.243, 0.729

# L9 on the trap: the pothole holds only rates below ~2/8, the deep basin rates up to ~2.
# Every run starts at the trap's default start with the rate 0.1; the two that rise again
# peak at 1. ReduceLROnPlateau uses the absolute threshold: PyTorch's default relative one,
# best × (1 − threshold), lies *above* a negative best loss (−0.81 in the pothole), so every
# step would count as an improvement and the rate would never be cut.
ESCAPE_RATE = 0.1
ESCAPE_PEAK = 1.0
PLATEAU = {"threshold_mode": "abs"}
CYCLIC = {"base_lr": ESCAPE_RATE, "max_lr": ESCAPE_PEAK, "step_size_up": 50}
WARM_RESTARTS = {"T_0": 100, "eta_min": ESCAPE_RATE}


@dataclass(frozen=True)
class Lesson:
    """A lesson of the lecture as a preset of runs, with its outcomes and its words."""

    key: str  # URL name: ?preset=<key>
    number: str  # "L4"
    title: dict[str, str]  # language -> title
    explanation: dict[str, str]  # language -> two or three sentences
    runs: tuple[RunConfig, ...]  # the current run last; earlier ones are pinned comparisons
    expected: tuple[str, ...]  # the engine's outcome for each run, same order
    curve_x: str = "iteration"  # what the curves are drawn against when the lesson opens

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

    @property
    def pinned(self) -> tuple[RunConfig, ...]:
        """The runs pinned beside the current one, in their order."""
        return self.runs[:-1]


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
            "en": "The ravine's walls curve 40 times more sharply than its floor, so plain descent "
            "can take at most lr = 2/40 = 0.05 across them. At lr = 0.045 each jump across the "
            "ravine lands a little closer to the floor and the zig-zag dies out; at lr = 0.055 "
            "each lands farther out, so the zig-zag grows, leaves the map, and the loss climbs "
            "without end until the run is stopped: it diverged.",
            "ko": "이 협곡의 벽은 바닥보다 40배 가파르게 휘어 있어서, 일반 경사 하강법이 벽을 "
            "가로지를 때 쓸 수 있는 학습률은 최대 2/40 = 0.05입니다. 학습률 0.045에서는 협곡을 "
            "건너뛸 때마다 바닥에 조금씩 가까워져 지그재그가 잦아들지만, 0.055에서는 매번 더 "
            "멀리 떨어져 지그재그가 커지고 지도를 벗어나며 손실이 끝없이 커집니다: 발산입니다.",
        },
        runs=(
            RunConfig(surface="ravine", lr=0.045, steps=150, start=RAVINE_START),
            RunConfig(surface="ravine", lr=0.055, steps=150, start=RAVINE_START),
        ),
        expected=("converged", "diverged"),
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
            "en": "The only way to choose a learning rate is to try several: start at 0.001 and "
            "go up by ×3 (0.001, 0.003, 0.009, …) until a run diverges, here at 0.729. The map "
            "shows the first rung and the last three; the final loss against the rate, lower "
            "right, shows every rung: too slow at the bottom, diverged at the top, and a dip in "
            "between where a good rate lies.",
            "ko": "학습률을 고르는 방법은 여러 값을 직접 시도해 보는 것뿐입니다: 0.001에서 시작해 "
            "3배씩(0.001, 0.003, 0.009, …) 올리다가 발산하는 값(여기서는 0.729)에서 멈춥니다. "
            "지도에는 첫 단과 마지막 세 단이 보이고, 오른쪽 아래의 학습률에 따른 최종 손실 "
            "그래프에는 모든 단이 보입니다: 아래쪽은 너무 느리고 위쪽은 발산하며, 그 사이의 "
            "움푹한 곳에 좋은 학습률이 있습니다.",
        },
        # Pinned first, the current run last: on screen the current (0.001) comes first, then
        # the pins in order, so the paths and cards read by rate.
        runs=tuple(RunConfig(surface="bowl", lr=rate, steps=80) for rate in (*LADDER_SHOWN[1:], LADDER_SHOWN[0])),
        expected=("converged", "converged", "diverged", "slow"),
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
            "en": "Same start for all; plateau and cyclical LR begin at lr = 0.1, and both risers "
            "peak at 1. ReduceLROnPlateau cuts the rate tenfold each time the loss stalls (its rate "
            "curve steps down), so it settles fast but stays in the pothole. Cyclical LR and cosine "
            "with warm restarts raise the rate again and again, throw the point out of the pothole "
            "and settle in the deep basin. (With a negative loss PyTorch's default relative "
            "threshold never cuts, so this lesson sets threshold_mode='abs'.)",
            "ko": "세 실행은 같은 점에서 출발합니다. ReduceLROnPlateau와 순환 학습률은 학습률 0.1로 "
            "시작하고, 다시 올라가는 둘은 최고 1에 이릅니다. ReduceLROnPlateau는 손실이 정체될 "
            "때마다 학습률을 10분의 1로 낮춰(학습률 곡선이 계단처럼 내려감) 빨리 자리 잡지만 "
            "웅덩이에 머뭅니다. 순환 학습률(CyclicLR)과 웜 리스타트 코사인은 학습률을 거듭 올려 "
            "점을 웅덩이 밖으로 튕겨 내고 깊은 분지에 자리 잡습니다. (손실이 음수이면 PyTorch의 "
            "기본 상대 임계값은 학습률을 낮추지 않아 threshold_mode='abs'를 씁니다.)",
        },
        runs=(
            RunConfig(surface="trap", lr=ESCAPE_RATE, scheduler="plateau", scheduler_params=PLATEAU, steps=400),
            RunConfig(surface="trap", lr=ESCAPE_RATE, scheduler="cyclic", scheduler_params=CYCLIC, steps=400),
            RunConfig(
                surface="trap",
                lr=ESCAPE_PEAK,
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
            "x′ = (x − min)/(max − min). At the same lr = 0.1 the raw input diverges while both "
            "scaled inputs converge; the min-max contours are less round than the standardized "
            "ones, so it needs more steps.",
            "ko": "σ를 구하기 어려울 때는 범위 max − min으로 대신할 수 있습니다: "
            "x′ = (x − min)/(max − min). 같은 학습률 0.1에서 원본 입력은 발산하지만 정규화한 두 "
            "입력은 모두 수렴합니다. 다만 최소-최대 정규화의 등고선은 표준화보다 덜 둥글어서 "
            "스텝이 더 많이 필요합니다.",
        },
        runs=tuple(
            RunConfig(surface="linreg", normalization=name, lr=0.1, steps=1000)
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
        curve_x="time",
    ),
)

LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in _LESSONS}
if len(LESSONS) != len(_LESSONS):
    raise ValueError("two lessons share a key")


# --------------------------------------------------------------------------- network page
# Lessons N1-N4 on a real network (app/network_page.py): their runs are NetworkConfigs, kept
# apart from LESSONS, whose runs are the 2-D surfaces' RunConfigs. The settings were measured
# with the engine; tests/test_network_page.py checks the outcomes.
NETWORK_STEPS = 1000

_NETWORK_LESSONS = (
    Lesson(
        key="network-descent",
        number="N1",
        title={"en": "Descent on a real network", "ko": "실제 신경망 위의 경사 하강"},
        explanation={
            "en": "A 2-16-16-1 tanh network learns to separate the two moons with Adam at lr 0.01 "
            "on the full batch. Its weights have hundreds of dimensions, so the map is a slice "
            "through the two directions the path moved most (PCA). Watch the decision boundary "
            "bend as the loss falls and the accuracy climbs past 95 %.",
            "ko": "2-16-16-1 tanh 신경망이 Adam(학습률 0.01, 전체 배치)으로 두 개의 반달 모양 데이터를 "
            "나누는 법을 배웁니다. 가중치는 수백 차원이므로 지도는 경로가 가장 많이 움직인 두 방향(PCA)으로 "
            "자른 단면입니다. 손실이 줄고 정확도가 95 %를 넘어가는 동안 결정 경계가 휘어지는 모습을 보세요.",
        },
        runs=(NetworkConfig(dataset="moons", hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.01, steps=NETWORK_STEPS),),
        expected=("converged",),
    ),
    Lesson(
        key="network-too-large-rate",
        number="N2",
        title={"en": "Too large a rate diverges", "ko": "너무 큰 학습률은 발산합니다"},
        explanation={
            "en": "The same network fits house prices with plain SGD. At lr 0.01 the loss falls "
            "steadily; at lr 1.0 every step overshoots further than the last, and the loss "
            "explodes within six steps.",
            "ko": "같은 신경망이 일반 SGD로 집값을 적합합니다. 학습률 0.01에서는 손실이 꾸준히 줄지만, "
            "학습률 1.0에서는 스텝마다 이전보다 더 멀리 지나쳐서 여섯 스텝 만에 손실이 폭발합니다.",
        },
        runs=tuple(NetworkConfig(dataset="house_prices", optimizer="sgd", lr=lr, steps=NETWORK_STEPS) for lr in (1.0, 0.01)),
        expected=("diverged", "converged"),
    ),
    Lesson(
        key="network-normalization",
        number="N3",
        title={"en": "Raw inputs ×100 against standardized", "ko": "원본 ×100 입력과 표준화 입력"},
        explanation={
            "en": "With inputs a hundred times larger, the first layer's gradients are a hundred "
            "times steeper, so SGD at lr 0.1 keeps overshooting and the loss never settles. "
            "Standardized inputs give every weight a similar scale, and the same rate converges.",
            "ko": "입력이 100배 크면 첫 층의 기울기도 100배 가팔라서, 학습률 0.1의 SGD는 계속 지나치며 "
            "손실이 자리를 잡지 못합니다. 입력을 표준화하면 모든 가중치의 규모가 비슷해져 같은 학습률로도 "
            "수렴합니다.",
        },
        runs=tuple(NetworkConfig(dataset="moons", optimizer="sgd", lr=0.1, normalization=name, steps=NETWORK_STEPS) for name in ("x100", "standard")),
        expected=("overshooting", "converged"),
    ),
    Lesson(
        key="network-batch-size",
        number="N4",
        title={"en": "Batch of 1 against the full batch", "ko": "배치 크기 1과 전체 배치"},
        explanation={
            "en": "With a batch of one point each SGD step follows a single example, so the path "
            "jitters and the loss stays noisy at lr 0.1. The full batch of all 200 points steps "
            "steadily down the slope and converges.",
            "ko": "배치 크기가 1이면 SGD의 스텝마다 예제 하나만 따라가므로, 학습률 0.1에서 경로가 흔들리고 "
            "손실도 잡음이 많습니다. 200개 점 전체를 쓰는 전체 배치는 경사를 따라 꾸준히 내려가 수렴합니다.",
        },
        runs=tuple(NetworkConfig(dataset="moons", optimizer="sgd", lr=0.1, batch_size=size, steps=NETWORK_STEPS) for size in (1, None)),
        expected=("slow", "converged"),
    ),
)

NETWORK_LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in _NETWORK_LESSONS}
if len(NETWORK_LESSONS) != len(_NETWORK_LESSONS) or set(NETWORK_LESSONS) & set(LESSONS):
    raise ValueError("two lessons share a key")

# Every lesson in the lecture's order, as the lesson menu and the gallery list them.
EVERY_LESSON: dict[str, Lesson] = {**LESSONS, **NETWORK_LESSONS}
