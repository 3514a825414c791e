"""A small multilayer perceptron in NumPy: forward and backward passes for many networks at once.

The network maps an input x (2 features for the toy data sets, 1 for house prices) through
hidden layers of tanh or ReLU units to one output z:

    a_0 = x,   a_l = act(W_l a_{l-1} + b_l)  (l = 1..L-1),   z = W_L a_{L-1} + b_L

W_l has one row per output neuron (shape (out, in)), as ``torch.nn.Linear.weight``.

All of one network's parameters are ONE flat vector θ, laid out as PyTorch's
``parameters_to_vector(net.parameters())``: W_1 (row-major), b_1, W_2, b_2, ... . The
optimizers in engine.optimizers are elementwise, so they update θ unchanged. Arrays of
parameters have a leading runs axis: θ (R, d) holds R networks of the same architecture
(the learning-rate finder's 60 rates, say), and one call evaluates them all.

Losses, over n examples with targets y:

- classification (labels 0/1), binary cross-entropy on the logit z, computed stably:
  ℓ(z, y) = max(z, 0) − z·y + log(1 + e^(−|z|)),  ∂ℓ/∂z = σ(z) − y;
- regression, the lecture's ½·MSE: ℓ(z, y) = ½ (z − y)²,  ∂ℓ/∂z = z − y;

and L(θ) = 1/n Σ ℓ(z_i, y_i). Backpropagation: δ_L = ∂L/∂z = (1/n) ∂ℓ/∂z, then
∂L/∂W_l = δ_lᵀ a_{l-1}, ∂L/∂b_l = Σ_i δ_l, δ_{l-1} = (δ_l W_l) ⊙ act′(W_{l-1} a_{l-2} + b_{l-1}),
with tanh′ = 1 − a² and relu′ = [pre-activation > 0].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

ACTIVATIONS = ("tanh", "relu")
LOSSES = ("cross_entropy", "half_mse")
MAX_HIDDEN_LAYERS = 3
MAX_WIDTH = 16


@dataclass(frozen=True)
class Layout:
    """Where each layer's weights and biases sit in the flat parameter vector θ.

    inputs: features per example; hidden: the widths of the hidden layers (1 to
    MAX_HIDDEN_LAYERS of 1 to MAX_WIDTH units). The output layer has one unit.
    """

    inputs: int
    hidden: tuple[int, ...]

    def __post_init__(self) -> None:
        hidden = tuple(self.hidden)
        if not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"hidden = {self.hidden!r} is not allowed: expected 1 to {MAX_HIDDEN_LAYERS} hidden layers"
            )
        for width in hidden:
            if (
                isinstance(width, bool)
                or not isinstance(width, int | np.integer)
                or not 1 <= width <= MAX_WIDTH
            ):
                raise ValueError(
                    f"hidden = {self.hidden!r} is not allowed: each layer needs 1 to {MAX_WIDTH} units"
                )
        if self.inputs not in (1, 2):
            raise ValueError(f"inputs = {self.inputs!r} is not allowed: expected 1 or 2")
        object.__setattr__(self, "hidden", tuple(int(w) for w in hidden))

    # Read at every step of every pass: computed once (cached_property suits a frozen dataclass).
    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, input to output: (inputs, *hidden, 1)."""
        return (self.inputs, *self.hidden, 1)

    @cached_property
    def layers(self) -> int:
        """Number of linear layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @cached_property
    def _offsets(self) -> tuple[tuple[int, int, int], ...]:
        """(start of W_l, start of b_l, end of b_l) in θ, per layer."""
        out, start = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            bias = start + fan_out * fan_in
            out.append((start, bias, bias + fan_out))
            start = bias + fan_out
        return tuple(out)

    @cached_property
    def _shapes(self) -> tuple[tuple[int, int], ...]:
        """(out, in) of each W_l."""
        return tuple(zip(self.sizes[1:], self.sizes[:-1], strict=True))

    @property
    def size(self) -> int:
        """d, the number of parameters: 337 for 2-16-16-1."""
        return self._offsets[-1][2]

    def weight(self, theta: np.ndarray, layer: int) -> np.ndarray:
        """W_l as a view of θ (..., d) -> (..., out, in); layer counts from 0."""
        start, bias, _ = self._offsets[layer]
        return theta[..., start:bias].reshape(theta.shape[:-1] + self._shapes[layer])

    def bias(self, theta: np.ndarray, layer: int) -> np.ndarray:
        """b_l as a view of θ (..., d) -> (..., out)."""
        _, bias, end = self._offsets[layer]
        return theta[..., bias:end]

    def weight_mask(self) -> np.ndarray:
        """(d,) bool: True at weight entries, False at biases."""
        mask = np.zeros(self.size, dtype=bool)
        for start, bias, _ in self._offsets:
            mask[start:bias] = True
        return mask

    def rows(self) -> list[slice]:
        """The slice of θ holding each neuron's incoming weights (one row of some W_l), in order."""
        out = []
        for layer, (start, _, _) in enumerate(self._offsets):
            fan_in = self.sizes[layer]
            out.extend(
                slice(start + k * fan_in, start + (k + 1) * fan_in)
                for k in range(self.sizes[layer + 1])
            )
        return out

    def fan_in(self) -> np.ndarray:
        """(d,): the fan-in of the layer each parameter belongs to."""
        out = np.empty(self.size)
        for layer, (start, _, end) in enumerate(self._offsets):
            out[start:end] = self.sizes[layer]
        return out


def init_params(layout: Layout, seed: int) -> np.ndarray:
    """θ (d,) drawn as torch.nn.Linear's default initialisation, from default_rng(seed).

    nn.Linear.reset_parameters: kaiming_uniform_(W, a=√5) gives W ~ U(−bound, bound) with
    bound = gain·√(3/fan_in), gain = √(2/(1+a²)) = √(1/3), i.e. bound = 1/√fan_in; the bias
    is U(−1/√fan_in, 1/√fan_in) too. (The numbers drawn are NumPy's, not torch's.)
    """
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(layout.fan_in())
    return rng.uniform(-bound, bound)


class Workspace:
    """Arrays that `loss_and_grad` reuses from call to call (a run's steps share their shapes):
    with many runs, fresh megabyte-sized arrays cost more in page faults than the arithmetic.
    The arrays a call returns belong to the workspace: the next call overwrites them."""

    def __init__(self) -> None:
        self._arrays: dict[tuple, np.ndarray] = {}
        self._pass: _Pass | None = None  # loss_and_grad's last pass, reused while it fits

    def array(self, key: tuple, shape: tuple[int, ...], dtype) -> np.ndarray:
        # keyed by shape too: an epoch's last, shorter batch keeps its own arrays
        full_key = (key, shape, np.dtype(dtype))
        found = self._arrays.get(full_key)
        if found is None:
            found = self._arrays[full_key] = np.empty(shape, dtype)
        return found


def _activate(pre: np.ndarray, activation: str) -> np.ndarray:
    """act(pre), written over pre: big temporaries cost more than the arithmetic."""
    if activation == "tanh":
        return np.tanh(pre, out=pre)
    if activation == "relu":
        return np.maximum(pre, 0.0, out=pre)
    raise ValueError(
        f"activation = {activation!r} is not allowed: expected one of {', '.join(ACTIVATIONS)}"
    )


def _linear(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (..., n, in), w (..., out, in), b (..., out) -> (..., n, out): a Wᵀ + b."""
    # NumPy's matmul is about twice as fast with Wᵀ copied contiguous than as a view
    out = np.matmul(a, np.ascontiguousarray(w.mT))
    out += b[..., None, :]
    return out


def forward(
    layout: Layout,
    activation: str,
    theta: np.ndarray,
    x: np.ndarray,
    workspace: Workspace | None = None,
) -> np.ndarray:
    """The outputs z (..., n) of networks θ (..., d) on inputs x (n, inputs) or (..., n, inputs).

    Any leading shape works: (R,) for R runs, () for one network, (G, R) for a grid. With a
    workspace, the hidden layers' arrays are reused (see Workspace).
    """
    a = x
    rows = np.broadcast_shapes(theta.shape[:-1], x.shape[:-2])
    dtype = np.result_type(theta, x)
    for layer in range(layout.layers - 1):
        weight, bias = layout.weight(theta, layer), layout.bias(theta, layer)
        if workspace is None:
            pre = _linear(a, weight, bias)
        else:
            shape = rows + (x.shape[-2], layout.sizes[layer + 1])
            pre = workspace.array(("forward", layer), shape, dtype)
            np.matmul(a, np.ascontiguousarray(weight.mT), out=pre)
            pre += bias[..., None, :]
        a = _activate(pre, activation)
    last = layout.layers - 1
    return _linear(a, layout.weight(theta, last), layout.bias(theta, last))[..., 0]


def pointwise_loss(z: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """ℓ(z, y) elementwise (module docstring): stable cross-entropy on logits, or ½(z − y)²."""
    if loss == "cross_entropy":
        return np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    if loss == "half_mse":
        return 0.5 * (z - y) ** 2
    raise ValueError(f"loss = {loss!r} is not allowed: expected one of {', '.join(LOSSES)}")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)) = e^z/(1 + e^z): with e = e^(−|z|) <= 1, no overflow for any z,
    and full relative precision in both tails."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def mean_loss(z: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """L = mean over the last axis of ℓ(z, y): (..., n) -> (...)."""
    return pointwise_loss(z, y, loss).sum(axis=-1) * (1.0 / z.shape[-1])


def loss_and_grad(
    layout: Layout,
    activation: str,
    theta: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    loss: str,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L (...), ∂L/∂θ (..., d), z (..., n)) of networks θ (..., d) on x (n, in) or
    (..., n, in), targets y (n,) or (..., n); backpropagation as in the module docstring.

    The leading shape is usually (R,), R runs; one network (θ of shape (d,)) skips the
    batched matrix products' overhead. The arithmetic is in θ's and x's dtype. With a
    workspace, the gradient and z returned are its arrays (see Workspace); called again with
    the same θ, x and y arrays (θ rewritten in place, as the step loop does), it reuses the
    pass's views and arrays as they are.
    """
    space = workspace or Workspace()
    found = space._pass
    if found is None or not found.serves(layout, activation, theta, x, y, loss):
        found = space._pass = _Pass(layout, activation, theta, x, y, loss, space)
    return found.run()


class _Pass:
    """One `loss_and_grad` laid out for one θ array and one batch (x, y): the views of θ and
    of the gradient into their layers, and every intermediate array, made once. A small
    network's pass is mostly such per-call overhead, not arithmetic."""

    def __init__(self, layout, activation, theta, x, y, loss, space: Workspace) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation = {activation!r} is not allowed: expected one of {', '.join(ACTIVATIONS)}"
            )
        if loss not in LOSSES:
            raise ValueError(f"loss = {loss!r} is not allowed: expected one of {', '.join(LOSSES)}")
        self.layout, self.activation, self.loss = layout, activation, loss
        self.theta, self.x, self.y = theta, x, y
        dtype = np.result_type(theta, x)
        lead = theta.shape[:-1]
        n = x.shape[-2]
        rows = np.broadcast_shapes(lead, x.shape[:-2])  # leading shape of the activations
        sizes, last = layout.sizes, layout.layers - 1
        self.scale = 1.0 / n
        weights = [layout.weight(theta, layer) for layer in range(layout.layers)]
        # (a, W_l, Wᵀ buffer or None, b_l, pre-activation array) per layer; the last one is z
        self.forward_steps = []
        a = x
        for layer in range(layout.layers):
            pre = space.array(("act", layer), rows + (n, sizes[layer + 1]), dtype)
            # NumPy's matmul is about twice as fast with Wᵀ copied contiguous than as a view
            # (a Wᵀ with one column is contiguous already: np.ascontiguousarray's rule)
            across = weights[layer].mT
            buffer = None
            if not across.flags.c_contiguous:
                buffer = space.array(("weight_t", layer), across.shape, across.dtype)
            bias = layout.bias(theta, layer)[..., None, :]
            self.forward_steps.append((a, across, buffer, bias, pre))
            a = pre
        self.z = a[..., 0]
        z_shape, z_dtype = self.z.shape, self.z.dtype
        # the loss's temporaries; its value and slope in the dtypes plain expressions give
        value_dtype = np.result_type(self.z, y)
        slope_dtype = z_dtype if loss == "cross_entropy" else value_dtype
        self.e = space.array(("e",), z_shape, z_dtype)
        self.value = space.array(("value",), z_shape, value_dtype)
        self.other = space.array(("other",), z_shape, value_dtype)
        self.denominator = space.array(("denominator",), z_shape, z_dtype)
        self.positive = space.array(("positive",), z_shape, bool)
        self.slope = space.array(("slope",), z_shape, slope_dtype)
        self.grad = space.array(("grad",), lead + (layout.size,), np.result_type(self.slope, x))
        self.ones = np.ones(n, dtype=slope_dtype)
        # (δ_l, δ_lᵀ, a_{l-1}, ∂L/∂W_l, ∂L/∂b_l (views of the gradient), W_l, δ_{l-1} or None)
        self.backward_steps = []
        delta = self.slope[..., None]  # (R, n, 1)
        for layer in range(last, -1, -1):
            below = x if layer == 0 else self.forward_steps[layer - 1][4]
            below_delta = None
            if layer > 0:
                below_delta = space.array(("delta", layer), rows + (n, sizes[layer]), delta.dtype)
            self.backward_steps.append(
                (
                    delta,
                    delta.mT,
                    below,
                    layout.weight(self.grad, layer),
                    layout.bias(self.grad, layer),
                    weights[layer],
                    below_delta,
                )
            )
            delta = below_delta

    def serves(self, layout, activation, theta, x, y, loss) -> bool:
        """Whether this pass was laid out for these arrays (the very same objects)."""
        return (
            theta is self.theta
            and x is self.x
            and y is self.y
            and layout is self.layout
            and activation == self.activation
            and loss == self.loss
        )

    def run(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tanh = self.activation == "tanh"
        hidden = len(self.forward_steps) - 1
        for layer, (a, across, buffer, bias, pre) in enumerate(self.forward_steps):
            if buffer is not None:
                np.copyto(buffer, across)
                across = buffer
            np.matmul(a, across, out=pre)
            pre += bias
            if layer < hidden:  # _activate's, inline
                if tanh:
                    np.tanh(pre, out=pre)
                else:
                    np.maximum(pre, 0.0, out=pre)
        z, y, e = self.z, self.y, self.e
        slope, value, other = self.slope, self.value, self.other
        if self.loss == "cross_entropy":
            # ℓ = max(z, 0) − z·y + log1p(e) and σ(z) = where(z ≥ 0, 1, e)/(1 + e), e = e^(−|z|):
            # the expressions of pointwise_loss and sigmoid, written into the pass's arrays
            np.abs(z, out=e)
            np.negative(e, out=e)
            np.exp(e, out=e)
            np.maximum(z, 0.0, out=value)
            np.multiply(z, y, out=other)
            value -= other
            np.log1p(e, out=other)
            value += other
            denominator = np.add(e, 1.0, out=self.denominator)
            np.divide(e, denominator, out=slope)
            positive = np.greater_equal(z, 0, out=self.positive)
            np.divide(1.0, denominator, out=slope, where=positive)
            slope -= y
        else:
            np.subtract(z, y, out=slope)
            np.multiply(slope, 0.5, out=value)
            value *= slope  # ½ (z − y)²
        mean = value.sum(axis=-1) * self.scale
        slope *= self.scale
        for delta, across, below, grad_w, grad_b, weight, below_delta in self.backward_steps:
            # ∂L/∂W_l = δ_lᵀ a_{l-1}: (R, out, n) @ (R or 1, n, in); ∂L/∂b_l = δ_lᵀ 1
            np.matmul(across, below, out=grad_w)
            np.matmul(across, self.ones, out=grad_b)  # faster than a sum over n
            if below_delta is None:  # the first layer: no δ below it
                break
            if delta.shape[-1] == 1:  # one output unit: an outer product, no matmul
                np.multiply(delta, weight, out=below_delta)
            else:
                np.matmul(delta, weight, out=below_delta)  # δ_l W_l: (R, n, in)
            # act′ from the activations, which are not needed again: overwritten in place
            if tanh:
                np.multiply(below, below, out=below)
                np.subtract(1.0, below, out=below)
                below_delta *= below  # tanh′ = 1 − a²
            else:
                np.copyto(below_delta, 0.0, where=below <= 0)  # relu′ = [pre-activation > 0]
        return mean, self.grad, z
