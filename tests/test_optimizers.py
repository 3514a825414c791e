"""engine.optimizers against independent truth.

Three sources of truth, none of them the engine's own code:
  * first two steps worked out by hand from PyTorch's formulas;
  * a scalar, loop-based reference of each torch.optim algorithm, written below from
    the pseudo-code in PyTorch's documentation, run for 50 steps on a fixed surface;
  * textbook facts (momentum starts at the first gradient, Adam's first step is ~lr, ...).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.optimizers import (
    OPTIMIZER_NAMES,
    OPTIMIZER_PARAMS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    Optimizer,
    get_optimizer,
    resolve_optimizer,
    stack_hyper,
)

RTOL = 1e-12
G1 = np.array([[2.0, -4.0]])
G2 = np.array([[1.0, 2.0]])
LR = 0.1


def two_steps(name, params=None, lr=LR, g1=G1, g2=G2):
    """The first two updates of one run fed the gradients g1 then g2."""
    opt = OPTIMIZERS[name]
    hyper = resolve_optimizer(name, params)
    state = opt.init(np.zeros_like(g1), hyper)
    u1, state = opt.update(g1, state, lr, hyper)
    u2, state = opt.update(g2, state, lr, hyper)
    return u1[0], u2[0], state


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0)


# --------------------------------------------------------------- hand-worked steps
# g1 = (2, -4), g2 = (1, 2), lr = 0.1 throughout.


def test_sgd_by_hand():
    u1, u2, state = two_steps("sgd")
    close(u1, [-0.2, 0.4])
    close(u2, [-0.1, -0.2])
    assert state["step"] == 2


def test_momentum_by_hand():
    # buf1 = g1 = (2, -4); buf2 = 0.9 * (2, -4) + (1, 2) = (2.8, -1.6)
    u1, u2, state = two_steps("momentum")
    close(u1, [-0.2, 0.4])
    close(u2, [-0.28, 0.16])
    close(state["buf"][0], [2.8, -1.6])


def test_momentum_dampening_by_hand():
    # momentum 0.5, dampening 0.5: buf1 = g1 (no dampening on the first step);
    # buf2 = 0.5 * (2, -4) + 0.5 * (1, 2) = (1.5, -1)
    u1, u2, _ = two_steps("momentum", {"momentum": 0.5, "dampening": 0.5})
    close(u1, [-0.2, 0.4])
    close(u2, [-0.15, 0.1])


def test_nesterov_by_hand():
    # step 1: buf = (2, -4); g' = (2, -4) + 0.9 * (2, -4) = (3.8, -7.6)
    # step 2: buf = (2.8, -1.6); g' = (1, 2) + 0.9 * (2.8, -1.6) = (3.52, 0.56)
    u1, u2, _ = two_steps("nesterov")
    close(u1, [-0.38, 0.76])
    close(u2, [-0.352, -0.056])


def test_adagrad_by_hand():
    eps = 1e-10
    # sum1 = (4, 16) -> sqrt (2, 4); sum2 = (5, 20)
    u1, u2, state = two_steps("adagrad")
    close(u1, [-0.1 * 2 / (2 + eps), 0.1 * 4 / (4 + eps)])
    close(u2, [-0.1 * 1 / (math.sqrt(5) + eps), -0.1 * 2 / (math.sqrt(20) + eps)])
    close(state["sum"][0], [5.0, 20.0])


def test_adagrad_decay_and_accumulator_by_hand():
    eps = 1e-10
    # initial sum 1: sum1 = (5, 17), clr1 = 0.1; sum2 = (6, 21), clr2 = 0.1 / (1 + 0.5)
    u1, u2, _ = two_steps("adagrad", {"lr_decay": 0.5, "initial_accumulator_value": 1.0})
    close(u1, [-0.1 * 2 / (math.sqrt(5) + eps), 0.1 * 4 / (math.sqrt(17) + eps)])
    clr2 = 0.1 / 1.5
    close(u2, [-clr2 * 1 / (math.sqrt(6) + eps), -clr2 * 2 / (math.sqrt(21) + eps)])


def test_rmsprop_by_hand():
    eps = 1e-8
    # v1 = 0.01 * (4, 16) = (0.04, 0.16) -> sqrt (0.2, 0.4)
    # v2 = 0.99 * (0.04, 0.16) + 0.01 * (1, 4) = (0.0496, 0.1984)
    u1, u2, state = two_steps("rmsprop")
    close(u1, [-0.1 * 2 / (0.2 + eps), 0.1 * 4 / (0.4 + eps)])
    close(u2, [-0.1 * 1 / (math.sqrt(0.0496) + eps), -0.1 * 2 / (math.sqrt(0.1984) + eps)])
    close(state["square_avg"][0], [0.0496, 0.1984])


def test_rmsprop_centered_momentum_by_hand():
    eps = 1e-8
    # alpha 0.5, momentum 0.5, centered:
    # step 1: v = (2, 8), g_avg = (1, -2), v - g_avg^2 = (1, 4) -> avg = (1, 2) + eps
    #         buf = 0 * 0.5 + g/avg = (2/(1+eps), -4/(2+eps))
    # step 2: v = (1.5, 6), g_avg = (1, 0), v - g_avg^2 = (0.5, 6)
    #         buf = 0.5 * buf1 + (1/(sqrt(0.5)+eps), 2/(sqrt(6)+eps))
    params = {"alpha": 0.5, "momentum": 0.5, "centered": True}
    u1, u2, state = two_steps("rmsprop", params)
    buf1 = np.array([2 / (1 + eps), -4 / (2 + eps)])
    close(u1, -0.1 * buf1)
    buf2 = 0.5 * buf1 + [1 / (math.sqrt(0.5) + eps), 2 / (math.sqrt(6) + eps)]
    close(u2, -0.1 * buf2)
    close(state["grad_avg"][0], [1.0, 0.0])
    close(state["square_avg"][0], [1.5, 6.0])


def test_adam_by_hand():
    eps = 1e-8
    # step 1: m = (0.2, -0.4), v = 0.001 * (4, 16) = (0.004, 0.016),
    #         bias corrections 0.1 and 0.001: step size 0.1 / 0.1 = 1,
    #         denom = sqrt(v / 0.001) + eps = (2, 4) + eps
    u1, u2, state = two_steps("adam")
    close(u1, [-0.2 / (2 + eps), 0.4 / (4 + eps)])
    # step 2: m = 0.9 * (0.2, -0.4) + 0.1 * (1, 2) = (0.28, -0.16)
    #         v = 0.999 * (0.004, 0.016) + 0.001 * (1, 4) = (0.004996, 0.019984)
    #         bias corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999
    step_size = 0.1 / 0.19
    denom = [math.sqrt(0.004996 / 0.001999) + eps, math.sqrt(0.019984 / 0.001999) + eps]
    close(u2, [-step_size * 0.28 / denom[0], step_size * 0.16 / denom[1]])
    close(state["exp_avg"][0], [0.28, -0.16])
    close(state["exp_avg_sq"][0], [0.004996, 0.019984])
    assert state["step"] == 2


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_amsgrad_by_hand(amsgrad):
    eps = 1e-8
    # betas (0.5, 0.5): v1 = (2, 8), v2 = (1.5, 6): v shrinks, so AMSGrad keeps (2, 8).
    # step 1: m = (1, -2), step size 0.1 / 0.5, denom = sqrt(v1 / 0.5) + eps = (2, 4) + eps
    # step 2: m = (1, 0), bias corrections 0.75 and 0.75
    u1, u2, state = two_steps("adam", {"betas": (0.5, 0.5), "amsgrad": amsgrad})
    close(u1, [-0.2 * 1 / (2 + eps), 0.2 * 2 / (4 + eps)])
    second = 2.0 if amsgrad else 1.5
    close(u2, [-(0.1 / 0.75) * 1 / (math.sqrt(second / 0.75) + eps), 0.0])
    if amsgrad:
        close(state["max_exp_avg_sq"][0], [2.0, 8.0])
    else:
        assert "max_exp_avg_sq" not in state


# ------------------------------------------------- scalar reference implementations
# Written from the algorithm boxes of torch.optim's documentation, one run and one
# coordinate at a time, with Python floats. Each returns the list of positions.


def surface_grad(x, y):
    """Gradient of f(x, y) = 0.5 x^2 + 5 y^2 + 0.5 x y (a tilted, narrow bowl)."""
    return x + 0.5 * y, 10.0 * y + 0.5 * x


def reference(name, start, lr, hp, steps):
    theta = list(start)
    path = []
    mem = {}  # per-coordinate state, like torch's self.state[p]
    for t in range(1, steps + 1):
        grads = surface_grad(*theta)
        for i in range(2):
            g = grads[i]
            s = mem.setdefault(i, {})
            if name == "sgd":
                theta[i] = theta[i] - lr * g
            elif name in ("momentum", "nesterov"):
                mu = hp["momentum"]
                tau = hp.get("dampening", 0.0)
                if mu != 0:
                    if t > 1:
                        s["b"] = mu * s["b"] + (1 - tau) * g
                    else:
                        s["b"] = g
                    if name == "nesterov":
                        g = g + mu * s["b"]
                    else:
                        g = s["b"]
                theta[i] = theta[i] - lr * g
            elif name == "adagrad":
                if t == 1:
                    s["sum"] = hp["initial_accumulator_value"]
                lr_t = lr / (1 + (t - 1) * hp["lr_decay"])
                s["sum"] = s["sum"] + g * g
                theta[i] = theta[i] - lr_t * g / (math.sqrt(s["sum"]) + hp["eps"])
            elif name == "rmsprop":
                a, mu = hp["alpha"], hp["momentum"]
                if t == 1:
                    s.update(v=0.0, g_ave=0.0, b=0.0)
                s["v"] = a * s["v"] + (1 - a) * g * g
                v_tilde = s["v"]
                if hp["centered"]:
                    s["g_ave"] = s["g_ave"] * a + (1 - a) * g
                    v_tilde = v_tilde - s["g_ave"] ** 2
                if mu > 0:
                    s["b"] = mu * s["b"] + g / (math.sqrt(v_tilde) + hp["eps"])
                    theta[i] = theta[i] - lr * s["b"]
                else:
                    theta[i] = theta[i] - lr * g / (math.sqrt(v_tilde) + hp["eps"])
            elif name == "adam":
                b1, b2 = hp["betas"]
                if t == 1:
                    s.update(m=0.0, v=0.0, v_max=0.0)
                s["m"] = b1 * s["m"] + (1 - b1) * g
                s["v"] = b2 * s["v"] + (1 - b2) * g * g
                m_hat = s["m"] / (1 - b1**t)
                if hp["amsgrad"]:
                    s["v_max"] = max(s["v_max"], s["v"])
                    v_hat = s["v_max"] / (1 - b2**t)
                else:
                    v_hat = s["v"] / (1 - b2**t)
                theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + hp["eps"])
            elif name == "adadelta":  # torch.optim.Adadelta's documented algorithm
                rho, eps = hp["rho"], hp["eps"]
                if t == 1:
                    s.update(v=0.0, u=0.0)
                s["v"] = rho * s["v"] + (1 - rho) * g * g
                delta = math.sqrt(s["u"] + eps) / math.sqrt(s["v"] + eps) * g
                s["u"] = rho * s["u"] + (1 - rho) * delta * delta
                theta[i] = theta[i] - lr * delta
            else:
                raise AssertionError(name)
        path.append(tuple(theta))
    return np.array(path)


def engine_paths(name, starts, lr, hyper, steps):
    """All runs together through the engine: positions, shape (steps, R, 2)."""
    opt = OPTIMIZERS[name]
    params = np.array(starts, dtype=float)
    state = opt.init(params, hyper)
    out = []
    for _ in range(steps):
        gx, gy = surface_grad(params[:, :1], params[:, 1:])
        updates, state = opt.update(np.hstack([gx, gy]), state, lr, hyper)
        params = params + updates
        out.append(params)
    return np.array(out)


STARTS = [(1.5, 1.0), (-2.0, 0.5), (0.7, -1.2), (-1.0, -0.8)]
LRS = [0.01, 0.05, 0.002, 0.03]

# Four runs per case, every hyperparameter different from run to run.
CASES = {
    "sgd": [{}, {}, {}, {}],
    "momentum": [
        {"momentum": 0.9},
        {"momentum": 0.5, "dampening": 0.3},
        {"momentum": 0.0, "dampening": 0.5},  # torch ignores dampening without momentum
        {"momentum": 0.99, "dampening": 0.1},
    ],
    "nesterov": [{"momentum": m} for m in (0.9, 0.5, 0.3, 0.99)],  # torch refuses 0
    "adagrad": [
        {},
        {"lr_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-8},
        {"lr_decay": 0.01, "initial_accumulator_value": 2.0, "eps": 1e-3},
        {"lr_decay": 1.0, "initial_accumulator_value": 0.1, "eps": 0.1},
    ],
    "rmsprop": [
        {},
        {"alpha": 0.9, "momentum": 0.9, "eps": 1e-6},
        {"alpha": 0.5, "momentum": 0.5, "eps": 1e-3},
        {"alpha": 0.0, "momentum": 0.0},
    ],
    "rmsprop-centered": [
        {"centered": True},
        {"centered": True, "alpha": 0.9, "momentum": 0.9, "eps": 1e-6},
        {"centered": True, "alpha": 0.5, "momentum": 0.0, "eps": 1e-3},
        {"centered": True, "alpha": 0.7, "momentum": 0.3},
    ],
    "adam": [
        {},
        {"betas": (0.8, 0.99), "eps": 1e-6},
        {"betas": (0.5, 0.9), "eps": 1e-3},
        {"betas": (0.0, 0.0)},
    ],
    "adadelta": [
        {},
        {"rho": 0.95, "eps": 1e-4},
        {"rho": 0.5, "eps": 1e-2},
        {"rho": 0.0},
    ],
    "adam-amsgrad": [
        {"amsgrad": True},
        {"amsgrad": True, "betas": (0.8, 0.99), "eps": 1e-6},
        {"amsgrad": True, "betas": (0.5, 0.9), "eps": 1e-3},
        {"amsgrad": True, "betas": (0.95, 0.5)},
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_reference_with_per_run_hyperparameters(case):
    name = case.split("-")[0]
    per_run = CASES[case]
    steps = 50
    hyper = stack_hyper(name, per_run)
    lr = np.array(LRS).reshape(-1, 1)
    got = engine_paths(name, STARTS, lr, hyper, steps)
    for r, given in enumerate(per_run):
        want = reference(name, STARTS[r], LRS[r], resolve_optimizer(name, given), steps)
        np.testing.assert_allclose(got[:, r], want, rtol=RTOL, atol=0, err_msg=f"run {r}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_scalar_hyperparameters_match_reference(case):
    # one shared set of hyperparameters (Python scalars) and one lr for all runs
    name = case.split("-")[0]
    given = CASES[case][1]
    hyper = resolve_optimizer(name, given)
    got = engine_paths(name, STARTS, 0.02, hyper, 50)
    for r, start in enumerate(STARTS):
        want = reference(name, start, 0.02, hyper, 50)
        np.testing.assert_allclose(got[:, r], want, rtol=RTOL, atol=0)


def test_runs_move_apart_when_hyperparameters_differ():
    # guards the reference test against a degenerate surface where nothing matters
    hyper = stack_hyper("adam", CASES["adam"])
    got = engine_paths("adam", [STARTS[0]] * 4, 0.01, hyper, 20)
    assert len({tuple(row) for row in got[-1]}) == 4


def test_stacked_arrays_are_what_update_receives():
    hyper = stack_hyper("rmsprop", CASES["rmsprop"])
    assert hyper["alpha"].shape == (4, 1)
    assert hyper["momentum"].shape == (4, 1)
    assert hyper["centered"] is False
    adam = stack_hyper("adam", CASES["adam"])
    b1, b2 = adam["betas"]
    assert b1.shape == b2.shape == (4, 1)
    np.testing.assert_array_equal(b1[:, 0], [0.9, 0.8, 0.5, 0.0])
    # shared values stay scalars
    shared = stack_hyper("adam", [{"eps": 1e-6}, {"eps": 1e-6}])
    assert shared == {"betas": (0.9, 0.999), "eps": 1e-6, "amsgrad": False, "weight_decay": 0.0}
    with pytest.raises(ValueError, match="amsgrad"):
        stack_hyper("adam", [{"amsgrad": True}, {}])
    with pytest.raises(ValueError, match="momentum"):
        stack_hyper("momentum", [{}, {"momentum": 2.0}])


# ------------------------------------------------------------------ textbook facts


def random_grads(n=200, seed=0):
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], size=(n, 2))
    return sign * 10.0 ** rng.uniform(-3, 3, size=(n, 2))


def first_update(name, grads, lr, params=None):
    opt = OPTIMIZERS[name]
    hyper = resolve_optimizer(name, params)
    state = opt.init(np.zeros_like(grads), hyper)
    return opt.update(grads, state, lr, hyper)[0]


def test_momentum_first_update_is_plain_sgd():
    g = random_grads()
    lr = np.linspace(0.001, 1.0, len(g)).reshape(-1, 1)
    sgd = first_update("sgd", g, lr)
    close(sgd, -lr * g)
    for params in ({}, {"momentum": 0.5, "dampening": 0.9}):
        np.testing.assert_array_equal(first_update("momentum", g, lr, params), sgd)


def test_nesterov_first_update_adds_momentum_times_gradient():
    g = random_grads()
    for mu in (0.9, 0.3, 0.01):  # torch refuses nesterov with momentum 0
        close(first_update("nesterov", g, 0.05, {"momentum": mu}), -0.05 * (1 + mu) * g)


def test_adam_first_update_is_lr_times_sign():
    # m_hat = g and v_hat = g^2 after one step, so the step is lr * g / (|g| + eps)
    g = random_grads()
    for betas in ((0.9, 0.999), (0.5, 0.9)):
        u = first_update("adam", g, 0.01, {"betas": betas})
        np.testing.assert_allclose(u, -0.01 * np.sign(g), rtol=1e-4)


def test_adagrad_first_update_is_lr_times_sign():
    g = random_grads()
    u = first_update("adagrad", g, 0.3)
    np.testing.assert_allclose(u, -0.3 * np.sign(g), rtol=1e-6)


def test_momentum_zero_ignores_dampening_like_torch():
    # torch.optim.SGD keeps no buffer when momentum == 0: the step is lr * g every time
    g = random_grads(4)
    opt, lr = OPTIMIZERS["momentum"], 0.1
    for hyper in (
        resolve_optimizer("momentum", {"momentum": 0.0, "dampening": 0.7}),
        {"momentum": np.zeros((4, 1)), "dampening": np.full((4, 1), 0.7)},
    ):
        state = opt.init(np.zeros((4, 2)), hyper)
        for _ in range(3):
            u, state = opt.update(g, state, lr, hyper)
            np.testing.assert_array_equal(u, g * -lr)


def test_rmsprop_momentum_zero_in_an_array_is_exactly_the_plain_rule():
    # one formula (buf = mu * buf + g / avg) serves runs with and without momentum;
    # for mu = 0 it must give torch's momentum-free step to the last bit
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(3, 2)) for _ in range(5)]
    opt = OPTIMIZERS["rmsprop"]
    plain = resolve_optimizer("rmsprop", None)
    mixed = dict(plain, momentum=np.array([[0.0], [0.9], [0.0]]))
    s_plain, s_mixed = opt.init(np.zeros((3, 2)), plain), opt.init(np.zeros((3, 2)), mixed)
    for g in grads:
        u_plain, s_plain = opt.update(g, s_plain, 0.01, plain)
        u_mixed, s_mixed = opt.update(g, s_mixed, 0.01, mixed)
        np.testing.assert_array_equal(u_mixed[[0, 2]], u_plain[[0, 2]])
        assert not np.array_equal(u_mixed[1], u_plain[1]) or g is grads[0]


def test_zero_gradient_gives_zero_update_without_warnings():
    zeros = np.zeros((3, 2))
    with np.errstate(all="raise"):
        for name in OPTIMIZER_NAMES:
            for flag in ({}, {"amsgrad": True}, {"centered": True}):
                if flag and next(iter(flag)) not in resolve_optimizer(name, None):
                    continue
                u1, u2, _ = two_steps(name, flag, g1=zeros, g2=zeros)
                np.testing.assert_array_equal(np.vstack([u1, u2]), 0.0)


def test_centered_rmsprop_survives_a_constant_gradient():
    # with a constant gradient, v - g_avg^2 -> 0 and rounding takes it below zero
    # (torch would then take sqrt of a negative number and return NaN)
    opt = OPTIMIZERS["rmsprop"]
    hyper = resolve_optimizer("rmsprop", {"centered": True})
    g = np.array([[0.1, 7.3]])
    state = opt.init(np.zeros((1, 2)), hyper)
    went_negative = False
    for _ in range(3400):
        u, state = opt.update(g, state, 0.01, hyper)
        went_negative |= bool((state["square_avg"] - state["grad_avg"] ** 2 < 0).any())
        assert np.isfinite(u).all()
    assert went_negative


def test_update_does_not_modify_its_inputs():
    rng = np.random.default_rng(2)
    for name in OPTIMIZER_NAMES:
        opt = OPTIMIZERS[name]
        hyper = resolve_optimizer(name, None)
        if "amsgrad" in hyper:
            hyper["amsgrad"] = True
        if "centered" in hyper:
            hyper.update(centered=True, momentum=0.5)
        state = opt.init(np.zeros((2, 2)), hyper)
        for _ in range(3):
            g = rng.normal(size=(2, 2))
            g_copy = g.copy()
            before = {k: np.copy(v) for k, v in state.items()}
            _, new = opt.update(g, state, 0.1, hyper)
            np.testing.assert_array_equal(g, g_copy)
            for key, value in before.items():
                np.testing.assert_array_equal(state[key], value, err_msg=f"{name}.{key}")
            state = new


# ----------------------------------------------------------------- validation


def test_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(ValueError, match="'nadam'") as err:
        resolve_optimizer("nadam", None)
    for name in OPTIMIZER_NAMES:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="unknown optimizer"):
        get_optimizer("lbfgs")


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ValueError, match="'beta1'") as err:
        resolve_optimizer("adam", {"beta1": 0.9})
    assert "betas, eps, amsgrad" in str(err.value)
    with pytest.raises(ValueError, match="'momentum'.*weight_decay"):
        resolve_optimizer("sgd", {"momentum": 0.9})


@pytest.mark.parametrize(
    ("name", "params", "field", "allowed"),
    [
        ("momentum", {"momentum": -0.1}, "momentum = -0.1", r"[0, 1)"),
        ("momentum", {"momentum": 1.0}, "momentum = 1.0", r"[0, 1)"),
        ("nesterov", {"momentum": 1.0}, "momentum = 1.0", r"(0, 1)"),
        ("rmsprop", {"momentum": 1.0}, "momentum = 1.0", r"[0, 1)"),
        ("momentum", {"dampening": 1.5}, "dampening = 1.5", r"[0, 1]"),
        ("adam", {"betas": (0.9, 1.0)}, "betas = (0.9, 1.0)", r"each in [0, 1)"),
        ("adam", {"betas": (0.9,)}, "betas", r"each in [0, 1)"),
        ("adam", {"eps": 0}, "eps = 0", r"(0, 1]"),
        ("rmsprop", {"eps": 0.0}, "eps = 0.0", r"(0, 1]"),
        ("rmsprop", {"alpha": 1.0}, "alpha = 1.0", r"[0, 1)"),
        ("adagrad", {"lr_decay": -1}, "lr_decay = -1", r"[0, inf]"),
        ("adagrad", {"initial_accumulator_value": -0.5}, "initial_accumulator_value", "[0,"),
        ("adam", {"amsgrad": "maybe"}, "amsgrad", "true or false"),
    ],
)
def test_out_of_range_names_field_and_range(name, params, field, allowed):
    with pytest.raises(ValueError) as err:
        resolve_optimizer(name, params)
    message = str(err.value)
    assert f"{name}.{field}" in message
    assert allowed in message


def test_defaults_are_pytorchs():
    no_decay = {"weight_decay": 0.0}
    assert resolve_optimizer("sgd", None) == no_decay
    assert resolve_optimizer("momentum", None) == {"momentum": 0.9, "dampening": 0.0, **no_decay}
    assert resolve_optimizer("nesterov", {}) == {"momentum": 0.9, **no_decay}
    assert resolve_optimizer("adagrad", None) == {
        "lr_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        **no_decay,
    }
    assert resolve_optimizer("rmsprop", None) == {
        "alpha": 0.99,
        "eps": 1e-8,
        "momentum": 0.0,
        "centered": False,
        **no_decay,
    }
    assert resolve_optimizer("adam", None) == {
        "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, **no_decay,
    }  # fmt: skip
    assert resolve_optimizer("adamw", None) == {
        "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "weight_decay": 1e-2,
    }  # fmt: skip
    # given values are coerced and kept; the rest filled in
    assert resolve_optimizer("adam", {"betas": "0.8, 0.99", "amsgrad": "true"}) == {
        "betas": (0.8, 0.99),
        "eps": 1e-8,
        "amsgrad": True,
        **no_decay,
    }


def test_registry_is_complete_and_specs_are_usable():
    assert set(OPTIMIZERS) == set(OPTIMIZER_PARAMS) == set(OPTIMIZER_TITLES)
    assert set(OPTIMIZERS) == set(OPTIMIZER_NAMES)
    assert OPTIMIZER_TITLES["nesterov"] == "SGD with Nesterov momentum"
    for name, opt in OPTIMIZERS.items():
        assert isinstance(opt, Optimizer) and opt.name == name
        assert get_optimizer(name) is opt
        for spec in OPTIMIZER_PARAMS[name]:
            assert spec.help, f"{name}.{spec.name} needs a help text"
            assert spec.check(spec.default, name) == spec.default


# ------------------------------------------------------- weight decay and PyTorch's refusals


def test_nesterov_without_momentum_is_refused_like_torch():
    # torch.optim.SGD(nesterov=True, momentum=0) raises "Nesterov momentum requires a momentum"
    with pytest.raises(ValueError, match=r"nesterov\.momentum = 0 .*\(0, 1\)"):
        resolve_optimizer("nesterov", {"momentum": 0})
    with pytest.raises(ValueError, match=r"nesterov\.momentum"):
        stack_hyper("nesterov", [{"momentum": 0.9}, {"momentum": 0.0}])


def test_l2_weight_decay_by_hand():
    # θ = (1, -2), wd = 0.5: the gradient (2, -4) becomes (2.5, -5); SGD lr 0.1 steps by it.
    opt, hyper = OPTIMIZERS["sgd"], resolve_optimizer("sgd", {"weight_decay": 0.5})
    state = opt.init(np.array([[1.0, -2.0]]), hyper)
    u1, state = opt.update(G1, state, LR, hyper)
    close(u1[0], [-0.25, 0.5])
    close(state["params"][0], [0.75, -1.5])  # the kept parameters moved with the update


def test_adamw_decays_apart_from_the_gradient_by_hand():
    # θ = (1, -2), lr 0.1, wd 0.5: θ(1 - 0.05) = (0.95, -1.9), then Adam's first step of
    # about lr * sign(g) = (-0.1, 0.1): θ' = (0.85, -1.8).
    opt, hyper = OPTIMIZERS["adamw"], resolve_optimizer("adamw", {"weight_decay": 0.5})
    theta = np.array([[1.0, -2.0]])
    u1, _ = opt.update(G1, opt.init(theta, hyper), LR, hyper)
    np.testing.assert_allclose(theta + u1, [[0.85, -1.8]], rtol=1e-8)
    # Without decay AdamW is Adam exactly.
    plain = resolve_optimizer("adamw", {"weight_decay": 0.0})
    u_w, _ = opt.update(G1, opt.init(theta, plain), LR, plain)
    adam = resolve_optimizer("adam", None)
    u_a, _ = OPTIMIZERS["adam"].update(G1, OPTIMIZERS["adam"].init(theta, adam), LR, adam)
    np.testing.assert_array_equal(u_w, u_a)


# ------------------------------------------------------------ the in-place updates

IN_PLACE = [name for name in OPTIMIZER_NAMES if OPTIMIZERS[name].update_in_place is not None]


def _random_hyper(name, rng, runs):
    """Per-run hyperparameters drawn inside their ranges (weight decay on for some runs),
    the booleans drawn once: what a sweep hands `update`."""
    shared = {"amsgrad": bool(rng.integers(2))}
    per_run = []
    for _ in range(runs):
        given = {}
        for spec in OPTIMIZER_PARAMS[name]:
            if spec.kind == "pair":
                given[spec.name] = (rng.uniform(0.0, 0.99), rng.uniform(0.5, 0.9999))
            elif spec.name == "eps":
                given[spec.name] = 10.0 ** rng.uniform(-10, -3)
            elif spec.name == "weight_decay":
                given[spec.name] = float(rng.choice([0.0, rng.uniform(0, 0.1)]))
            elif spec.name in shared:
                given[spec.name] = shared[spec.name]
        per_run.append(given)
    return stack_hyper(name, per_run)


@pytest.mark.parametrize("name", IN_PLACE)
def test_the_in_place_update_is_the_pure_one(name):
    """update_in_place moves the parameters and the state exactly as update does, over many
    random gradients, rates and hyperparameters (scalars and per-run arrays)."""
    opt = OPTIMIZERS[name]
    assert "adam" in IN_PLACE and "adamw" in IN_PLACE  # the step loop's most used
    rng = np.random.default_rng(7)
    for case in range(12):
        runs = int(rng.integers(1, 6))
        hyper = _random_hyper(name, rng, runs) if case % 3 else stack_hyper(name, [{}] * runs)
        params = rng.normal(size=(runs, 9))
        pure_params, state = params.copy(), opt.init(params, hyper)
        own, own_state = params.copy(), opt.init(params, hyper)
        for _ in range(20):
            g = rng.normal(size=params.shape) * 10.0 ** rng.uniform(-4, 2)
            lr = 10.0 ** rng.uniform(-4, 0, size=(runs, 1)) if case % 2 else 0.01
            g_copy = g.copy()
            move, state = opt.update(g, state, lr, hyper)
            pure_params = pure_params + move
            opt.update_in_place(own, g, own_state, lr, hyper)
            np.testing.assert_array_equal(g, g_copy)  # the gradient is not written
            np.testing.assert_allclose(own, pure_params, rtol=1e-12, atol=0)
            assert own_state["step"] == state["step"]
            for key, value in state.items():
                np.testing.assert_allclose(own_state[key], value, rtol=1e-12, atol=0, err_msg=key)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_state_keeps_the_parameters_number_format(name):
    """float32 parameters (the network explorers') get float32 state; anything else float64."""
    opt = OPTIMIZERS[name]
    hyper = resolve_optimizer(name, {"weight_decay": 0.1} if name != "adamw" else None)
    for params, dtype in (
        (np.zeros((3, 4), np.float32), np.float32),
        (np.zeros((3, 4), int), np.float64),
    ):
        state = opt.init(params, hyper)
        arrays = [v for v in state.values() if isinstance(v, np.ndarray) and v.dtype != bool]
        assert arrays and all(v.dtype == dtype for v in arrays), name
        if opt.update_in_place is not None:
            own = params.astype(dtype)
            opt.update_in_place(own, np.ones((3, 4), dtype), state, np.full((3, 1), 0.1), hyper)
            assert own.dtype == dtype and np.all(own < 0)  # stepped against the gradient
            assert all(v.dtype == dtype for k, v in state.items() if isinstance(v, np.ndarray))


# ------------------------------------------- one coordinate on floats, as the arrays do


def _drawn_hyper(name, rng):
    """One run's hyperparameters, each drawn inside its range (or left at its default)."""
    given = {}
    for spec in OPTIMIZER_PARAMS[name]:
        if spec.kind == "bool":
            given[spec.name] = bool(rng.integers(2))
        elif spec.kind == "pair":
            given[spec.name] = (rng.uniform(0.0, 0.99), rng.uniform(0.5, 0.9999))
        elif spec.name == "eps":
            given[spec.name] = 10.0 ** rng.uniform(-10, -3)
        elif rng.integers(3):
            low, high = spec.low or 0.0, 1.0 if spec.high is None else spec.high
            given[spec.name] = float(rng.uniform(low + 0.01 * (high - low), high) * 0.99)
    return resolve_optimizer(name, given)


def _gradient(rng) -> float:
    """A gradient as a run meets it: any scale, now and then 0, -0, ±inf or NaN (a blow-up)."""
    special = rng.integers(40)
    if special < 5:
        return [0.0, -0.0, math.inf, -math.inf, math.nan][special]
    return float(rng.normal() * 10.0 ** rng.uniform(-6, 4))


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_one_coordinate_on_floats_steps_as_the_float64_arrays(name):
    """engine.simulate steps a family of one run coordinate by coordinate on Python floats:
    init and update on floats give the float64 arrays' numbers bit for bit (updates and
    every state entry), whatever the hyperparameters, rates and gradients, blow-ups included."""
    opt = OPTIMIZERS[name]
    rng = np.random.default_rng(11)
    for case in range(16):
        hyper = _drawn_hyper(name, rng) if case else resolve_optimizer(name, None)
        start = [float(v) for v in rng.normal(size=2) * 3]
        array_state = opt.init(np.array([start]), hyper)
        float_states = [opt.init(x, hyper) for x in start]
        for step in range(40):
            g = [_gradient(rng) for _ in range(2)]
            lr = float(10.0 ** rng.uniform(-4, 1))
            with np.errstate(all="ignore"):  # blow-ups: the floats must not raise either
                move, array_state = opt.update(np.array([g]), array_state, lr, hyper)
                moves = []
                for i in range(2):
                    u, float_states[i] = opt.update(g[i], float_states[i], lr, hyper)
                    moves.append(u)
            assert all(type(u) is float for u in moves), (name, case, step)
            np.testing.assert_array_equal(np.array([moves]), move, err_msg=f"{name} {case} {step}")
            for key, value in array_state.items():
                if isinstance(value, np.ndarray) and value.shape == (1, 2):
                    own = np.array([[s[key] for s in float_states]])
                    np.testing.assert_array_equal(own, value, err_msg=f"{name}.{key} {case} {step}")
                else:  # the step count, momentum's "started"
                    assert all(s[key] == value for s in float_states), (name, key)
