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

    @cached_property
    def neuron_order(self) -> np.ndarray:
        """(d,): θ[..., neuron_order] holds each layer as [W_l | b_l], (out, in + 1) row-major:
        each neuron's incoming weights, then its bias. The passes multiply by that matrix."""
        order = []
        for (start, bias, _), (fan_out, fan_in) in zip(self._offsets, self._shapes, strict=True):
            for k in range(fan_out):
                order.extend(range(start + k * fan_in, start + (k + 1) * fan_in))
                order.append(bias + k)
        out = np.array(order, dtype=np.intp)
        out.flags.writeable = False
        return out

    @cached_property
    def torch_order(self) -> np.ndarray:
        """(d,): the inverse of neuron_order, back to PyTorch's order."""
        out = np.argsort(self.neuron_order)
        out.flags.writeable = False
        return out

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
    *,
    neuron_order: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L (...), ∂L/∂θ (..., d), z (..., n)) of networks θ (..., d) on x (n, in) or
    (..., n, in), targets y (n,) or (..., n); backpropagation as in the module docstring.

    neuron_order: θ is given, and ∂L/∂θ returned, in Layout.neuron_order rather than
    PyTorch's (the step loop keeps θ so: its elementwise optimizers do not mind the order).

    The leading shape is usually (R,), R runs, or () for one network. The arithmetic is in
    θ's and x's dtype (y is cast to it). With a
    workspace, the gradient and z returned are its arrays (see Workspace); called again with
    the same θ, x and y arrays (θ rewritten in place, as the step loop does), it reuses the
    pass's views and arrays as they are.
    """
    space = workspace or Workspace()
    found = space._pass
    if found is None or not found.serves(layout, activation, theta, x, y, loss, neuron_order):
        found = space._pass = _Pass(layout, activation, theta, x, y, loss, space, neuron_order)
    return found.run()


class _Pass:
    """One `loss_and_grad` laid out for one θ array and one batch (x, y): every intermediate
    array and view, made once (a small network's pass is mostly per-call overhead otherwise).

    Laid out for the batched matrix products and the elementwise passes over many runs:
    - θ in neuron order (Layout.neuron_order): layer l is one matrix [W_l | b_l] (out, in + 1),
      and with a row of ones under its input one product gives W_l a + b_l;
    - activations and δs are stored units first, (units (+ 1), runs, n): each elementwise pass
      (act, act′) runs over one contiguous array, while each run's (units + 1, n) slice is a
      matrix with contiguous rows, as the products want;
    - with one input shared by every run, the first layer and its gradient are ONE matrix
      product over units·runs rows, not one per run.
    """

    def __init__(
        self, layout, activation, theta, x, y, loss, space: Workspace, neuron_order: bool
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation = {activation!r} is not allowed: expected one of {', '.join(ACTIVATIONS)}"
            )
        if loss not in LOSSES:
            raise ValueError(f"loss = {loss!r} is not allowed: expected one of {', '.join(LOSSES)}")
        self.layout, self.activation, self.loss = layout, activation, loss
        self.theta, self.x, self.y, self.neuron_order = theta, x, y, neuron_order
        dtype = np.result_type(theta, x)
        lead, d = theta.shape[:-1], layout.size
        n, inputs = x.shape[-2], x.shape[-1]
        runs = int(np.prod(lead, dtype=int))  # 1 for one network
        sizes, offsets = layout.sizes, layout._offsets
        self.lead, self.scale = lead, 1.0 / n
        # θ in neuron order: θ itself when so given (the step loop rewrites it in place), else
        # gathered or copied into this array at each call
        self.copied = not (neuron_order and theta.flags.c_contiguous and theta.dtype == dtype)
        if self.copied:
            self.neurons = space.array(("theta",), (runs, d), dtype)
        else:
            self.neurons = theta.reshape(runs, d)
        self.grad_neurons = space.array(("grad neurons",), (runs, d), dtype)
        # [W_l | b_l] (runs, out, in + 1) of every layer, and its gradient: views
        self.augmented, self.grads = (
            [
                flat[:, start:end].reshape(runs, sizes[layer + 1], sizes[layer] + 1)
                for layer, (start, _, end) in enumerate(offsets)
            ]
            for flat in (self.neurons, self.grad_neurons)
        )
        if neuron_order:
            self.grad = self.grad_neurons.reshape(lead + (d,))
        else:
            self.grad = space.array(("grad",), lead + (d,), dtype)
        # the input under a row of ones: (in + 1, n), or (runs, in + 1, n) for a batch per run
        flat_x = x if x.ndim == 2 else x.reshape((-1, n, inputs))
        self.inputs = np.ones(flat_x.shape[:-2] + (inputs + 1, n), dtype)
        self.inputs[..., :inputs, :] = flat_x.mT
        self.shared = self.inputs.ndim == 2
        first = sizes[1]
        if self.shared:
            # the first layer's [W | b] units first, and its gradient, as (units·runs, in + 1)
            self.first_weights = space.array(("first weights",), (first * runs, inputs + 1), dtype)
            self.first_grad = space.array(("first grad",), (first * runs, inputs + 1), dtype)
        # per hidden layer: (units + 1, runs, n), the last row ones, and the same as runs of
        # matrices (runs, units + 1, n); its δ (units, runs, n)
        self.hidden = []
        for layer, width in enumerate(layout.hidden):
            units = space.array(("hidden", layer), (width + 1, runs, n), dtype)
            units[width] = 1.0
            self.hidden.append(units)
        self.below = [self.inputs] + [h.transpose(1, 0, 2) for h in self.hidden]
        self.deltas = [
            space.array(("delta", layer), (width, runs, n), dtype)
            for layer, width in enumerate(layout.hidden)
        ]
        # z and ∂L/∂z as (runs, 1, n) for the products, (runs, n) for the loss
        self.z = space.array(("z",), (runs, 1, n), dtype)
        self.slope = space.array(("slope",), (runs, 1, n), dtype)
        shape = (runs, n)
        self.y_rows = (y if y.ndim == 1 else y.reshape(shape)).astype(dtype, copy=False)
        self.e = space.array(("e",), shape, dtype)
        self.value = space.array(("value",), shape, dtype)
        self.other = space.array(("other",), shape, dtype)
        # ∂L/∂z = (σ(z) − y)/n = tanh(z/2)·(1/2n) + (1/2 − y)/n: the second term made once
        self.offset = (0.5 - self.y_rows) * self.scale if loss == "cross_entropy" else None

    def serves(self, layout, activation, theta, x, y, loss, neuron_order) -> bool:
        """Whether this pass was laid out for these arrays (the very same objects)."""
        return (
            theta is self.theta
            and x is self.x
            and y is self.y
            and layout is self.layout
            and activation == self.activation
            and loss == self.loss
            and neuron_order == self.neuron_order
        )

    def run(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tanh = self.activation == "tanh"
        augmented, below, hidden, deltas, grads = (
            self.augmented,
            self.below,
            self.hidden,
            self.deltas,
            self.grads,
        )
        if self.copied:
            theta = self.theta.reshape(self.neurons.shape)
            if self.neuron_order:
                np.copyto(self.neurons, theta)
            else:  # mode="clip": np.take buffers its output in the default mode
                np.take(theta, self.layout.neuron_order, axis=-1, out=self.neurons, mode="clip")
        for layer, units in enumerate(hidden):
            active = units[:-1]
            if layer == 0 and self.shared:
                np.copyto(
                    self.first_weights.reshape(active.shape[:2] + (-1,)),
                    augmented[0].transpose(1, 0, 2),
                )
                np.matmul(self.first_weights, self.inputs, out=active.reshape(-1, active.shape[-1]))
            else:
                np.matmul(augmented[layer], below[layer], out=active.transpose(1, 0, 2))
            if tanh:
                np.tanh(active, out=active)
            else:
                np.maximum(active, 0.0, out=active)
        np.matmul(augmented[-1], below[-1], out=self.z)
        z, y, e = self.z[:, 0, :], self.y_rows, self.e
        slope, value, other = self.slope[:, 0, :], self.value, self.other
        if self.loss == "cross_entropy":
            # ℓ = max(z, 0) − z·y + log1p(e^(−|z|)): pointwise_loss's expression, in place
            np.abs(z, out=e)
            np.negative(e, out=e)
            np.exp(e, out=e)
            np.maximum(z, 0.0, out=value)
            np.multiply(z, y, out=other)
            value -= other
            np.log1p(e, out=other)
            value += other
            np.multiply(z, 0.5, out=slope)
            np.tanh(slope, out=slope)
            slope *= 0.5 * self.scale
            slope += self.offset
        else:
            np.subtract(z, y, out=slope)
            np.multiply(slope, 0.5, out=value)
            value *= slope  # ½ (z − y)²
            slope *= self.scale
        mean = value.sum(axis=-1) * self.scale
        # the output layer: ∂L/∂[W_L | b_L] = ∂L/∂z [a; 1]ᵀ
        np.matmul(self.slope, below[-1].mT, out=grads[-1])
        for layer in range(len(hidden) - 1, -1, -1):
            active, delta = hidden[layer][:-1], deltas[layer]
            width = active.shape[0]
            # δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ act′; for the top layer W_{l+1}ᵀ δ_{l+1} = c ∂L/∂zᵀ,
            # the outer product of the output layer's weights c and ∂L/∂z
            if layer == len(hidden) - 1:
                np.multiply(augmented[-1][:, 0, :width].T[:, :, None], slope, out=delta)
            else:
                weights = augmented[layer + 1][..., :width].mT
                np.matmul(
                    weights, deltas[layer + 1].transpose(1, 0, 2), out=delta.transpose(1, 0, 2)
                )
            # act′ from the activations, which are not needed again: written over them
            if tanh:
                np.multiply(active, active, out=active)
                np.subtract(1.0, active, out=active)  # tanh′ = 1 − a²
            else:
                np.sign(active, out=active)  # relu′ = [pre-activation > 0] = [a > 0]
            delta *= active
            # ∂L/∂[W_l | b_l] = δ_l [a_{l-1}; 1]ᵀ
            if layer == 0 and self.shared:
                # one matrix-vector product per input (and the ones): twice as fast as one
                # matrix product with so few columns
                rows = delta.reshape(-1, delta.shape[-1])
                for column, inputs in enumerate(self.inputs):
                    np.matmul(rows, inputs, out=self.first_grad[:, column])
                np.copyto(
                    grads[0], self.first_grad.reshape(delta.shape[:2] + (-1,)).transpose(1, 0, 2)
                )
            else:
                np.matmul(delta.transpose(1, 0, 2), below[layer].mT, out=grads[layer])
        if not self.neuron_order:
            flat = self.grad.reshape(self.grad_neurons.shape)
            np.take(self.grad_neurons, self.layout.torch_order, axis=-1, out=flat, mode="clip")
        return mean.reshape(self.lead)[()], self.grad, self.z.reshape(self.lead + (z.shape[-1],))
