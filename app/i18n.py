"""Every word on the page, in English and Korean (the lecture's own terms).

TEXT and `t` hold the fixed words; KOREAN_NAMES and `name_in` the engine's names in Korean;
`korean_allowed` and `object_particle` the Korean grammar that texts built from values need
(a link's notices, app.viewstate.Notice).
"""

from __future__ import annotations

LANGUAGES = ("en", "ko")

TEXT: dict[str, dict[str, str]] = {
    "tagline": {
        "en": "See gradient descent learn",
        "ko": "경사 하강법이 학습하는 모습을 눈으로",
    },
    "surface": {"en": "Loss surface", "ko": "손실 곡면"},
    "data_fit": {"en": "data-fit problem", "ko": "데이터 적합 문제"},
    "optimizer": {"en": "Optimizer", "ko": "옵티마이저"},
    "learning_rate": {"en": "Learning rate", "ko": "학습률"},
    "scheduler": {"en": "Scheduler", "ko": "스케줄러"},
    "batch_size": {"en": "Batch size", "ko": "배치 크기"},
    "full_batch": {"en": "full", "ko": "전체"},
    "normalization": {"en": "Input normalization", "ko": "입력 정규화"},
    "norm_none": {"en": "none (raw)", "ko": "없음 (원본)"},
    "norm_standard": {"en": "standardize (x − μ)/σ", "ko": "표준화 (x − μ)/σ"},
    "norm_minmax": {"en": "min-max (x − min)/(max − min)", "ko": "최소-최대 (x − min)/(max − min)"},
    "only_data_fit": {
        "en": "Applies to the data-fit problem only: an analytic surface has no data.",
        "ko": "데이터 적합 문제에만 적용됩니다: 해석적 곡면에는 데이터가 없습니다.",
    },
    "steps": {"en": "Steps", "ko": "스텝 수"},
    "start": {"en": "Start point", "ko": "시작점"},
    "start_hint": {
        "en": "or click the contour map",
        "ko": "또는 등고선 지도를 클릭하세요",
    },
    "seed": {"en": "Random seed", "ko": "난수 시드"},
    "pin": {"en": "Pin this run", "ko": "이 실행 고정"},
    "clear_pins": {"en": "Clear pinned", "ko": "고정 해제"},
    "compare_hint": {
        "en": "Pin a run, change a setting, and compare up to 4 paths.",
        "ko": "실행을 고정하고 설정을 바꿔 최대 4개의 경로를 비교하세요.",
    },
    "play": {"en": "Play", "ko": "재생"},
    "pause": {"en": "Pause", "ko": "일시정지"},
    "speed": {"en": "Speed", "ko": "속도"},
    "step": {"en": "step", "ko": "스텝"},
    "loss": {"en": "Loss", "ko": "손실"},
    "loss_log": {"en": "Loss (log scale)", "ko": "손실 (로그 스케일)"},
    "iteration": {"en": "Iteration", "ko": "반복"},
    "lr_axis": {"en": "Learning rate", "ko": "학습률"},
    "grad_norm": {"en": "Gradient size ‖∇L‖", "ko": "기울기 크기 ‖∇L‖"},
    "gradient": {"en": "∇L (uphill)", "ko": "∇L (오르막)"},
    "update": {"en": "step", "ko": "이동"},
    "batch_gradient": {"en": "batch ∇L", "ko": "배치 기울기"},
    "contour_title": {"en": "Contour map", "ko": "등고선 지도"},
    "surface_title": {"en": "Loss surface", "ko": "손실 곡면"},
    "data_title": {"en": "Data and fitted line", "ko": "데이터와 적합된 직선"},
    "lr_preview": {"en": "Rate over the run", "ko": "학습 동안의 학습률"},
    "global_min": {"en": "global minimum", "ko": "전역 최소점"},
    "local_min": {"en": "local minimum", "ko": "지역 최소점"},
    "left_window": {"en": "left the map", "ko": "지도를 벗어남"},
    "final_loss": {"en": "final loss", "ko": "최종 손실"},
    "overshoots": {"en": "overshoots", "ko": "오버슈팅 횟수"},
    "epochs": {"en": "epochs", "ko": "에포크"},
    "steps_per_epoch": {"en": "steps/epoch", "ko": "에포크당 스텝"},
    "outcome_converged": {"en": "converged", "ko": "수렴"},
    "outcome_overshooting": {"en": "overshooting", "ko": "오버슈팅"},
    "outcome_diverged": {"en": "diverged at step {step}", "ko": "{step} 스텝에서 발산"},
    "outcome_local_minimum": {"en": "stuck in a local minimum", "ko": "지역 최소점에 갇힘"},
    "outcome_slow": {"en": "too slow", "ko": "너무 느림"},
    "outcome_saddle": {"en": "stuck on a saddle point", "ko": "안장점에 멈춤"},
    "why_converged": {
        "en": "The steps shrank with the gradient and the loss settled at its lowest value.",
        "ko": "기울기가 작아지면서 이동 폭도 줄어들어 손실이 최솟값에 자리 잡았습니다.",
    },
    "why_overshooting": {
        "en": "The learning rate is so large that each step jumps past the minimum and zig-zags across the valley.",
        "ko": "학습률이 커서 매 스텝이 최소점을 지나쳐 골짜기를 지그재그로 가로지릅니다.",
    },
    "why_diverged": {
        "en": "The loss ran away: far too large a rate makes every step land higher than the last (a surface with no bottom falls without end).",
        "ko": "손실이 끝없이 달아났습니다: 학습률이 너무 크면 매 스텝이 이전보다 더 높은 곳에 떨어집니다 (바닥이 없는 곡면에서는 끝없이 내려갑니다).",
    },
    "why_local_minimum": {
        "en": "The gradient is zero here but the loss is not the lowest: small steps cannot climb out.",
        "ko": "여기서 기울기는 0이지만 손실이 가장 낮은 곳은 아닙니다: 작은 스텝으로는 빠져나올 수 없습니다.",
    },
    "why_slow": {
        "en": "The learning rate is so small that the updates crawl: many more steps are needed.",
        "ko": "학습률이 너무 작아 업데이트가 기어가듯 느립니다: 훨씬 많은 스텝이 필요합니다.",
    },
    "why_saddle": {
        "en": "The gradient is zero but it is not a minimum: the loss still falls some way from here, yet with no slope to follow the steps stay put.",
        "ko": "기울기는 0이지만 최소점이 아닙니다: 여기서 어느 방향으로는 손실이 더 내려가지만, 따라갈 기울기가 없어 스텝이 제자리에 머뭅니다.",
    },
    "invalid": {"en": "Not applied", "ko": "적용되지 않음"},
    "kept_last": {
        "en": "the last good view stays on screen.",
        "ko": "마지막으로 올바르던 화면을 그대로 보여 줍니다.",
    },
    "formula": {"en": "Loss", "ko": "손실"},
    "lesson": {"en": "Lesson", "ko": "강의 주제"},
    "choose_lesson": {"en": "Open a lesson…", "ko": "강의 주제 열기…"},
    "copy_link": {"en": "Copy link", "ko": "링크 복사"},
    "own_formula": {"en": "Your formula f(x, y)…", "ko": "직접 입력한 함수 f(x, y)…"},
    "own_data": {"en": "Your data (CSV upload)…", "ko": "내 데이터 (CSV 업로드)…"},
    "formula_field": {"en": "f(x, y) =", "ko": "f(x, y) ="},
    "formula_hint": {
        "en": "numbers, x, y, + − * / ** and sin cos tan exp log sqrt abs tanh; e.g. (1-x)**2 + 5*(y-x**2)**2",
        "ko": "숫자, x, y, + − * / ** 와 sin cos tan exp log sqrt abs tanh; 예: (1-x)**2 + 5*(y-x**2)**2",
    },
    "x_range": {"en": "x range", "ko": "x 범위"},
    "y_range": {"en": "y range", "ko": "y 범위"},
    "upload_hint": {
        "en": "Drop a CSV here or click to choose one (up to {mb} MB)",
        "ko": "CSV 파일을 끌어다 놓거나 클릭해서 고르세요 (최대 {mb} MB)",
    },
    "view_curves": {"en": "Curves", "ko": "곡선"},
    "view_finder": {"en": "Which rate?", "ko": "어떤 학습률?"},
    "view_map": {"en": "Stability map", "ko": "안정성 지도"},
    # code view (app/code_view.py; the menus' Keras names, app/controls.py)
    "view_code": {"en": "Code", "ko": "코드"},
    "code_torch_title": {"en": "PyTorch: runs as is", "ko": "PyTorch: 그대로 실행됩니다"},
    "code_keras_title": {"en": "Keras 3: the nearest equivalent", "ko": "Keras 3: 가장 가까운 대응"},
    "code_copy": {"en": "Copy the code", "ko": "코드 복사"},
    "code_torch_note": {
        "en": "float64, as the page computes: run it to get the path drawn above.",
        "ko": "페이지처럼 float64로 계산합니다: 실행하면 위에 그려진 경로가 나옵니다.",
    },
    "code_keras_notes": {
        "en": "Not run here. Each difference that changes the numbers is a # comment in the script.",
        "ko": "여기서 실행하지 않은 코드입니다. 숫자를 바꾸는 차이마다 스크립트에 # 주석이 있습니다.",
    },
    "code_no_keras": {
        "en": "No Keras equivalent for {name}: the script below is the nearest, as its first comment says.",
        "ko": "{name}에 해당하는 Keras 기능이 없습니다. 아래 스크립트는 첫 주석에 적힌 대로 가장 가까운 대안입니다.",
    },
    "code_upload": {
        "en": "Uploaded data has no formula to print as a torch function: the script holds its {rows} rows "
        "as numbers in x and y. To train on the file itself, load its two columns into x and y instead "
        "(e.g. with pandas.read_csv).",
        "ko": "업로드한 데이터는 torch 함수로 쓸 수식이 없습니다. 스크립트는 {rows}개 행을 x와 y에 숫자로 "
        "담습니다. 파일 자체로 학습하려면 대신 두 열을 x와 y로 읽어 오세요 (예: pandas.read_csv).",
    },
    "code_no_run": {
        "en": "No code to show: the settings on screen do not make a run yet. Fix the setting marked in red.",
        "ko": "보여 줄 코드가 없습니다: 화면의 설정으로는 아직 실행할 수 없습니다. 빨간색으로 표시된 설정을 고치세요.",
    },
    "code_network_torch_note": {
        "en": "float64, on the page's data. torch draws its own start and batches, so the loss curve is alike, "
        "not equal number for number: run(initial_weights, batch_orders) takes the page's.",
        "ko": "페이지의 데이터로 float64 계산을 합니다. 시작 가중치와 배치는 torch가 직접 뽑으므로 손실 곡선은 "
        "비슷하지만 숫자까지 같지는 않습니다. run(initial_weights, batch_orders)에 페이지의 값을 넘길 수 있습니다.",
    },
    "keras_callback": {"en": "Keras callback", "ko": "Keras 콜백"},
    "no_keras": {"en": "no Keras equivalent", "ko": "Keras 대응 없음"},
    "second_setting": {"en": "against", "ko": "비교 설정"},
    "no_second": {
        "en": "Choose momentum, Nesterov or Adam, a scheduler, or the data-fit problem to map a second setting.",
        "ko": "두 번째 설정을 지도로 보려면 모멘텀, 네스테로프, Adam, 스케줄러 또는 데이터 적합 문제를 고르세요.",
    },
    "shortcuts": {"en": "Keyboard shortcuts", "ko": "키보드 단축키"},
    "key_play": {"en": "play / pause", "ko": "재생 / 일시정지"},
    "key_step": {"en": "one step back / forward", "ko": "한 스텝 뒤로 / 앞으로"},
    "key_home": {"en": "back to the start", "ko": "처음으로"},
    "key_present": {"en": "presentation view (controls hidden, larger text)", "ko": "발표 모드 (조작부 숨김, 큰 글씨)"},
    "key_help": {"en": "show or hide this list", "ko": "이 목록 보이기/숨기기"},
    "csv": {"en": "Download CSV", "ko": "CSV 다운로드"},
    "html": {"en": "Offline HTML", "ko": "오프라인 HTML"},
    "html_hint": {
        "en": "One file that plays this view in any browser, without network or server",
        "ko": "네트워크나 서버 없이 어느 브라우저에서나 이 화면을 재생하는 파일 하나",
    },
    # The curves' axes (app/figures/curves.py).
    "loss_above_best": {"en": "Loss above the best, L − L* (log)", "ko": "최솟값 위의 손실, L − L* (로그)"},
    "best_is": {"en": "L* = {best:.4g}", "ko": "L* = {best:.4g}"},
    "lr_axis_log": {"en": "Learning rate (log scale)", "ko": "학습률 (로그 스케일)"},
    "loss_linear": {
        "en": "Loss (linear: it falls below the lowest value found on the map)",
        "ko": "손실 (선형: 지도에서 찾은 최솟값보다 낮아짐)",
    },
    "floored": {
        "en": "floor {floor:.0e}",
        "ko": "하한 {floor:.0e}",
    },
    "x_iteration": {"en": "iteration", "ko": "반복"},
    "x_epoch": {"en": "epoch", "ko": "에포크"},
    "x_examples": {"en": "examples", "ko": "예제 수"},
    "x_time": {"en": "time (model)", "ko": "시간 (모델)"},
    "epoch_axis": {"en": "Epoch (passes over the data)", "ko": "에포크 (데이터를 한 번 훑는 단위)"},
    "examples_axis": {"en": "Examples processed", "ko": "처리한 예제 수"},
    "time_axis": {
        "en": "ms (model: {overhead:g} µs/step + {per_example:g} µs/example)",
        "ko": "ms (모델: 스텝당 {overhead:g} µs + 예제당 {per_example:g} µs)",
    },
    "step_cost": {"en": "{cost:.3g} µs per step (model)", "ko": "스텝당 {cost:.3g} µs (모델)"},
    "rate_title": {"en": "Final L − L* against the rate", "ko": "학습률에 따른 최종 L − L*"},
    "rate_axis": {"en": "Learning rate (log scale)", "ko": "학습률 (로그 스케일)"},
    # The learning-rate finder and the stability map (app/explore_figures.py). explore_ + an
    # outcome is its legend name, explore_ + a second setting its axis title.
    "explore_learning_rate": {"en": "learning rate", "ko": "학습률"},
    "explore_excess_loss": {"en": "loss − minimum", "ko": "손실 − 최솟값"},
    "explore_converged": {"en": "converged", "ko": "수렴"},
    "explore_overshooting": {"en": "overshooting", "ko": "오버슈팅"},
    "explore_diverged": {"en": "diverged", "ko": "발산"},
    "explore_diverged_at": {"en": "diverged at step {step}", "ko": "{step} 스텝에서 발산"},
    "explore_local_minimum": {"en": "local minimum", "ko": "지역 최소점"},
    "explore_slow": {"en": "too slow", "ko": "너무 느림"},
    "explore_saddle": {"en": "saddle point", "ko": "안장점"},
    "explore_momentum": {"en": "momentum μ", "ko": "모멘텀 μ"},
    "explore_batch_size": {"en": "batch size", "ko": "배치 크기"},
    "explore_beta1": {"en": "β₁ (Adam)", "ko": "β₁ (Adam)"},
    "explore_current": {"en": "current {value}", "ko": "현재 {value}"},
    "explore_current_settings": {"en": "current settings", "ko": "현재 설정"},
    "explore_suggested": {"en": "suggested {value}", "ko": "추천 {value}"},
    "explore_refused": {"en": "not allowed", "ko": "허용되지 않음"},
    "explore_finder_title": {
        "en": "Learning-rate finder: loss after {steps} steps",
        "ko": "학습률 찾기: {steps} 스텝 후 손실",
    },
    "explore_map_title": {
        "en": "Stability map: outcome after {steps} steps",
        "ko": "안정성 지도: {steps} 스텝 후 결과",
    },
    "explore_theory": {"en": "theory: {formula}", "ko": "이론: {formula}"},
    # network view (app/network_view.py, app/figures/network.py)
    "network_map_title": {"en": "Loss landscape: a slice", "ko": "손실 지형: 단면"},
    "network_surface_title": {"en": "Landscape in 3D", "ko": "3D 지형"},
    "network_pc_axis": {"en": "PC{index}: {share} %", "ko": "주성분 {index} (PC{index}): {share} %"},
    "network_random_axis": {
        "en": "random direction {index} (filter-normalized)",
        "ko": "무작위 방향 {index} (필터 정규화)",
    },
    "network_path_start": {"en": "start (step {step})", "ko": "시작 ({step} 스텝)"},
    "network_path_end": {"en": "last point (step {step})", "ko": "마지막 점 ({step} 스텝)"},
    # ΔL = L − the slice's lowest loss: the longer words ran off the small 3D pane at 1280x720
    "network_loss_above_slice_min": {"en": "ΔL", "ko": "ΔL"},
    "network_delta_loss": {"en": "ΔL = L − the slice's lowest loss", "ko": "ΔL = L − 이 단면의 최소 손실"},
    "network_loss_title": {"en": "Training loss L (log scale)", "ko": "학습 손실 L (로그 스케일)"},
    "network_accuracy_title": {"en": "Training accuracy (%)", "ko": "학습 정확도 (%)"},
    "network_grad_title": {"en": "Gradient size ‖∇L‖ of each batch", "ko": "배치마다의 기울기 크기 ‖∇L‖"},
    "network_reference_loss": {"en": "reference loss (best of 3 Adam runs)", "ko": "기준 손실 (Adam 3회 중 최저)"},
    "network_honesty_title": {"en": "What the map hides", "ko": "지도가 보여 주지 않는 것"},
    "network_true_loss": {"en": "true loss L(w_t)", "ko": "실제 손실 L(w_t)"},
    "network_map_loss": {"en": "map's loss at the projected point", "ko": "투영된 점에서 지도의 손실"},
    "network_map_loss_key": {"en": "the map's loss", "ko": "지도의 손실"},
    "network_plane_distance": {"en": "distance from the plane", "ko": "평면까지의 거리"},
    "network_plane_distance_axis": {"en": "off the plane", "ko": "평면 밖 거리"},
    "network_boundary_title": {"en": "Decision boundary", "ko": "결정 경계"},
    "network_fitted_curve_title": {"en": "The network's fitted curve", "ko": "신경망이 적합한 곡선"},
    "network_p_class_1": {"en": "P(class 1)", "ko": "P(클래스 1)"},
    "network_class_label": {"en": "class {label}", "ko": "클래스 {label}"},
    "network_off_map": {
        "en": "{label} trains another network or on other data: its loss is another surface, so it is not on this map.",
        "ko": "{label}: 다른 신경망이나 다른 데이터로 학습하므로 손실 곡면이 달라 이 지도에 없습니다.",
    },
    "network_diverged_note": {
        "en": "{label} diverged at step {step}: its record stops just before.",
        "ko": "{label}: {step} 스텝에서 발산했습니다. 기록은 그 직전에서 멈춥니다.",
    },
    "network_plane_note": {
        "en": "The path leaves the plane by up to {distance:.3g}: the map shows the loss on the plane, not along the path.",
        "ko": "경로는 평면에서 최대 {distance:.3g}만큼 벗어납니다: 지도는 경로가 아니라 평면 위의 손실을 보여 줍니다.",
    },
    # network page (app/network_page.py)
    "network_menu": {"en": "Real network (toy data)", "ko": "실제 신경망 (예제 데이터)"},
    "network_dataset": {"en": "Data set", "ko": "데이터셋"},
    "network_hidden": {"en": "Hidden layers", "ko": "은닉층"},
    "network_hidden_hint": {
        "en": "widths joined by commas: 1 to 3 layers of 1 to 16 units, e.g. 16,16",
        "ko": "쉼표로 이은 너비: 1~3개 층, 층마다 1~16개 유닛 (예: 16,16)",
    },
    "network_activation": {"en": "Activation", "ko": "활성화 함수"},
    "network_directions": {"en": "Map directions", "ko": "지도의 두 방향"},
    "network_directions_pca": {"en": "PCA of the path", "ko": "경로의 주성분(PCA)"},
    "network_directions_random": {"en": "random (filter-normalized)", "ko": "무작위 (필터 정규화)"},
    "network_direction_seed": {"en": "Direction seed", "ko": "방향 시드"},
    "norm_x100": {"en": "raw ×100", "ko": "원본 ×100"},
    "network_accuracy": {"en": "accuracy", "ko": "정확도"},
    "network_off_map_badge": {"en": "not on this map", "ko": "이 지도에 없음"},
    # network explorers (engine/network/explore.py, app/network_page.py: the finder, the map,
    # the third graph's switch)
    "network_finder_loss": {"en": "loss L at the end (log scale)", "ko": "마지막 손실 L (로그 스케일)"},
    "network_explore_note": {
        "en": "{runs} networks, each trained for its first {steps} steps (float32 passes), so the whole map takes about a second.",
        "ko": "신경망 {runs}개를 각각 처음 {steps} 스텝만 학습합니다 (float32 계산). 그래서 지도 전체가 1초 안팎에 그려집니다.",
    },
    "network_third_accuracy": {"en": "accuracy", "ko": "정확도"},
    "network_third_grad_norm": {"en": "‖∇L‖", "ko": "‖∇L‖"},
    "network_third_honesty": {"en": "what the map hides", "ko": "지도가 감추는 것"},
    "network_third_accuracy_help": {"en": "Share of training points on the right side of the boundary", "ko": "결정 경계의 올바른 쪽에 있는 학습 데이터의 비율"},
    "network_third_grad_norm_help": {"en": "Gradient norm ‖∇L‖ of the batch gradient each update used", "ko": "업데이트마다 쓴 배치 기울기의 크기 ‖∇L‖"},
    "network_third_hint": {
        "en": "PCA of any long random walk already looks smooth and curved (Antognini & Sohl-Dickstein, NeurIPS 2018): do not over-read the map.",
        "ko": "어떤 긴 무작위 걸음도 PCA로 보면 이미 매끈하게 휘어 보입니다 (Antognini & Sohl-Dickstein, NeurIPS 2018): 지도를 지나치게 해석하지 마세요.",
    },
    "network_third_honesty_help": {
        "en": "True loss along the path beside the map's loss at each projected point, and the distance from the plane. "
        "PCA of any long random walk already looks smooth and curved (Antognini & Sohl-Dickstein, NeurIPS 2018): do not over-read the map's shape.",
        "ko": "경로를 따라 잰 실제 손실과 투영된 점에서 지도가 보여 주는 손실, 그리고 평면까지의 거리입니다. "
        "어떤 긴 무작위 걸음도 PCA로 보면 이미 매끈하게 휘어 보입니다 (Antognini & Sohl-Dickstein, NeurIPS 2018): 지도의 모양을 지나치게 해석하지 마세요.",
    },
}


def t(key: str, lang: str = "en", **values) -> str:
    """The text for key in lang (English when lang is unknown), with {placeholders} filled."""
    entry = TEXT[key]
    text = entry.get(lang, entry["en"])
    return text.format(**values) if values else text


# Names of the engine's surfaces, optimizers and schedulers in Korean (English comes from the
# engine itself, so the two never drift apart in English).
KOREAN_NAMES: dict[str, str] = {
    "surface:bowl": "타원형 그릇",
    "surface:ravine": "좁은 협곡",
    "surface:trap": "웅덩이와 분지",
    "surface:linreg": "데이터 적합: 면적에 따른 집값",
    "surface:rosenbrock": "로젠브록의 바나나 골짜기",
    "surface:himmelblau": "히멜블라우의 네 골짜기",
    "surface:rastrigin": "라스트리긴의 달걀판",
    "surface:beale": "빌의 고원",
    "surface:six_hump_camel": "여섯 혹 낙타",
    "description:bowl": "매끈한 타원형 그릇: 학습률 하나로 미끄러져 들어갈지, 가파른 쪽을 지그재그로 가로지를지, 튕겨 나갈지가 정해집니다.",
    "description:ravine": "길고 좁은 기울어진 골짜기: 가파른 벽에 맞춘 스텝은 바닥을 따라 기어가듯 느립니다. 모멘텀과 Adam이 푸는 문제입니다.",
    "description:trap": "좁은 웅덩이 옆에 넓고 더 깊은 분지: 작은 스텝은 웅덩이에 머물고, 웅덩이 벽에 비해 큰 스텝은 분지로 튕겨 나갑니다.",
    "description:linreg": "집 100채에 가격 = w·면적 + b를 맞춥니다: 모든 신경망이 줄이는 손실을 2차원으로 본 것입니다.",
    "description:rosenbrock": "휘어진 바나나 모양 골짜기: 바닥까지는 빠르지만, 굽은 바닥을 따라 최소점까지 가는 길은 느립니다.",
    "description:himmelblau": "똑같이 깊은 최소점 네 개: 어떻게 걷느냐보다 어디서 시작하느냐가 도착점을 정합니다.",
    "description:rastrigin": "그릇 위에 121개의 홈이 파인 달걀판: 일반 경사 하강법은 가장 가까운 홈에 멈춥니다.",
    "description:beale": "가파른 능선으로 둘러싸인 평평한 고원: 가운데 기울기는 아주 작고 가장자리는 아주 커서, 고정된 스텝 하나로는 둘 다 맞출 수 없습니다.",
    "description:six_hump_camel": "안장 모양 등 위에 좋은 최소점 둘과 덜 좋은 최소점 넷: 시작점과 스텝 크기가 결과를 고릅니다.",
    "optimizer:sgd": "SGD (기본 경사 하강법)",
    "optimizer:momentum": "모멘텀 SGD",
    "optimizer:nesterov": "네스테로프 모멘텀 SGD",
    "optimizer:adagrad": "Adagrad",
    "optimizer:rmsprop": "RMSprop",
    "optimizer:adam": "Adam",
    "optimizer:adamw": "AdamW (분리된 가중치 감쇠)",
    "scheduler:constant": "일정 (스케줄러 없음)",
    "scheduler:step": "계단식 감소 (StepLR)",
    "scheduler:exponential": "지수 감소 (ExponentialLR)",
    "scheduler:plateau": "정체 시 감소 (ReduceLROnPlateau)",
    "scheduler:cosine": "코사인 감소 (CosineAnnealingLR)",
    "scheduler:cosine_restarts": "웜 리스타트 코사인 (CosineAnnealingWarmRestarts)",
    "scheduler:cyclic": "순환 학습률 (CyclicLR)",
    "scheduler:onecycle": "원사이클 (OneCycleLR)",
}


def name_in(kind: str, key: str, english: str, lang: str) -> str:
    """A surface/optimizer/scheduler name or description in lang (English from the engine)."""
    if lang == "ko":
        return KOREAN_NAMES.get(f"{kind}:{key}", english)
    return english


# --------------------------------------------------------------------------- Korean grammar

# The engine states what a value may be in English (ParamSpec.allowed); these are its phrases.
_KO_PREFIXES = (
    ("two numbers, each in ", "각각 {} 범위의 숫자 두 개"),
    ("a number in ", "{} 범위의 숫자"),
    ("an integer in ", "{} 범위의 정수"),
    ("a number >= ", "{} 이상의 숫자"),
    ("one of ", "{} 중 하나"),
)


def korean_allowed(text: str) -> str:
    """The Korean for the engine's phrases of what is allowed; other text unchanged.

    Korean puts the range before the noun ("a number in [0, 1]" -> "[0, 1] 범위의 숫자"), so
    each known English opening becomes a template the rest of the phrase fills.
    """
    if text == "true or false":
        return "true 또는 false"
    for prefix, template in _KO_PREFIXES:
        if text.startswith(prefix):
            return template.format(text.removeprefix(prefix))
    return text


# The reading of a digit in Sino-Korean decides the particle after a number: 을 after a
# final consonant (0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔), 를 after a vowel.
_DIGIT_HAS_FINAL = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def object_particle(word: str) -> str:
    """을 or 를 after word (을(를) when its reading is unclear, as for Latin letters).

    The object particle is 을 after a syllable that ends in a consonant (a final, 받침) and 를
    after a vowel: a Hangul syllable tells by its code point, a digit by its Sino-Korean reading.
    A closing parenthesis is looked through: "기본값(0.9)" takes the particle of 기본값.
    """
    stem = word.rsplit("(", 1)[0].rstrip() if word.endswith(")") else word
    last = stem[-1:] or " "
    if "가" <= last <= "힣":
        return "을" if (ord(last) - ord("가")) % 28 else "를"
    if last in _DIGIT_HAS_FINAL:
        return "을" if _DIGIT_HAS_FINAL[last] else "를"
    return "을(를)"
