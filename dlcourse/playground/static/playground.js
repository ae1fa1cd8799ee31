// TensorFlow Playground's screen for dlcourse's PlaygroundWidget (an anywidget ES module).
// The browser only draws and forwards the controls: Python trains and sends frames.

// dlcourse.viz.PALETTE (Okabe-Ito): class k takes PALETTE[k]; labels -1 / +1 are classes 0 / 1.
const PALETTE = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [86, 180, 233],
  [213, 94, 0], [240, 228, 66], [0, 0, 0]];
const BLUE = PALETTE[0];
const ORANGE = PALETTE[1];
const VERMILLION = PALETTE[5];
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const FEATURE_LABELS = {
  "x1": "X\u2081", "x2": "X\u2082", "x1^2": "X\u2081\u00b2", "x2^2": "X\u2082\u00b2",
  "x1*x2": "X\u2081X\u2082", "sin(x1)": "sin(X\u2081)", "sin(x2)": "sin(X\u2082)",
};
const FEATURE_FN = {
  "x1": (a, b) => a, "x2": (a, b) => b, "x1^2": (a, b) => a * a, "x2^2": (a, b) => b * b,
  "x1*x2": (a, b) => a * b, "sin(x1)": (a, b) => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b),
};
const DATASET_LABELS = {
  circle: "Circle", xor: "Exclusive or", gauss: "Gaussian", spiral: "Spiral", plane: "Plane",
  "multi-gaussian": "Multi Gaussian", gauss3: "3 Gaussians", spiral3: "3 spirals",
  custom: "Your data",
};
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const TF_ACTIVATIONS = [["relu", "ReLU"], ["tanh", "Tanh"], ["sigmoid", "Sigmoid"],
  ["linear", "Linear"]];
const MODERN_ACTIVATIONS = [...TF_ACTIVATIONS, ["leaky_relu", "Leaky ReLU"], ["elu", "ELU"]];
const SPEEDS = [1, 5, 20, 100];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
const DECAYS = [0.1, 0.2, 0.5, 0.9, 0.99];
const STEPS = [10, 50, 100, 200, 500, 1000];
const MAX_EPOCHS = [0, 100, 200, 500, 1000, 2000, 5000];
const PATIENCES = [0, 10, 20, 50, 100, 200];
const NODE = 32; // node side, px
const ROW = 42; // vertical distance between nodes, px
const NET_WIDTH = 470;
const NET_TOP = 84;
const HEAT = 260; // output heat map side, px
const EXTENT = 6;
const ICONS = {
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zM14 5h4v14h-4z",
  step: "M5 5v14l9-7zM15 5h3v14h-3z",
  reset: "M12 5V1L7 6l5 5V7c3.31 0 6 2.69 6 6s-2.69 6-6 6-6-2.69-6-6H4c0 4.42 3.58 8 8 8s8-3.58 " +
    "8-8-3.58-8-8-8z",
};

// ------------------------------------------------------------------ colours and data

const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * 2 - 1;
    const end = t < 0 ? BLUE : ORANGE;
    const s = Math.abs(t);
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(255 + (end[c] - 255) * s);
  }
  return lut;
})();

function lutIndex(v) {
  if (!(v === v)) return 127; // NaN -> white
  const t = Math.max(-1, Math.min(1, v));
  return Math.round((t + 1) * 127.5);
}

function cssColor(v) {
  const i = lutIndex(v);
  return `rgb(${LUT[3 * i]},${LUT[3 * i + 1]},${LUT[3 * i + 2]})`;
}

function rgb(c, alpha = 1) {
  return alpha === 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

function classColor(k) {
  return PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

function floats(value) {
  if (!value) return new Float32Array(0);
  if (value instanceof DataView || ArrayBuffer.isView(value)) {
    const copy = value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    return new Float32Array(copy);
  }
  if (value instanceof ArrayBuffer) return new Float32Array(value);
  return new Float32Array(0);
}

// The output heat map is drawn at 60 % strength (as TF Playground's is lighter than its points),
// so that the points stay visible where the network is sure.
const HEAT_STRENGTH = 0.6;

// Paint values on [low, high] with the diverging map (the middle white).
function paint(canvas, values, res, offset, { discretize = false, strength = 1, low = -1,
  high = 1 } = {}) {
  if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(res, res);
  const px = image.data;
  const mid = (low + high) / 2; const half = (high - low) / 2;
  for (let k = 0; k < res * res; k++) {
    let v = (values[offset + k] - mid) / half;
    if (discretize) v = v >= 0 ? 1 : -1;
    const i = lutIndex(v * strength);
    px[4 * k] = LUT[3 * i]; px[4 * k + 1] = LUT[3 * i + 1]; px[4 * k + 2] = LUT[3 * i + 2];
    px[4 * k + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Paint probabilities in [0, 1] from white to one colour (a class's output node).
function paintRamp(canvas, values, res, offset, color) {
  if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(res, res);
  const px = image.data;
  for (let k = 0; k < res * res; k++) {
    const s = Math.max(0, Math.min(1, values[offset + k] || 0));
    for (let c = 0; c < 3; c++) px[4 * k + c] = 255 + (color[c] - 255) * s;
    px[4 * k + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Paint 3+ classes: each cell in its class's colour, lighter the less sure the network is.
function paintClasses(canvas, values, res, nClasses, discretize) {
  if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(res, res);
  const px = image.data;
  const n = res * res; const floor = 1 / nClasses;
  for (let k = 0; k < n; k++) {
    const color = classColor(Math.round(values[k]));
    const sure = discretize ? 1 : Math.max(0, Math.min(1, (values[n + k] - floor) / (1 - floor)));
    const s = HEAT_STRENGTH * sure;
    for (let c = 0; c < 3; c++) px[4 * k + c] = 255 + (color[c] - 255) * s;
    px[4 * k + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function featureGrid(name, res) {
  const out = new Float32Array(res * res);
  const fn = FEATURE_FN[name];
  for (let i = 0; i < res; i++) {
    const b = EXTENT - (2 * EXTENT * i) / (res - 1);
    for (let j = 0; j < res; j++) {
      out[i * res + j] = fn(-EXTENT + (2 * EXTENT * j) / (res - 1), b);
    }
  }
  return out;
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function icon(name) {
  const node = svg("svg", { viewBox: "0 0 24 24", width: 20, height: 20, "aria-hidden": "true" });
  node.append(svg("path", { d: ICONS[name], fill: "currentColor" }));
  return node;
}

function select(options, onchange, attrs = {}) {
  const s = h("select", { ...attrs, onchange: () => onchange(s.value) });
  setOptions(s, options);
  return s;
}

function setOptions(s, options) {
  const key = JSON.stringify(options);
  if (s.dataset.options === key) return;
  s.dataset.options = key;
  s.replaceChildren(...options.map(([value, label]) => h("option", { value: String(value) },
    label)));
}

function field(label, control, cls = "") {
  return h("label", { class: `dlpg-field ${cls}` }, h("span", { class: "dlpg-label" }, label),
    control);
}

function epochText(e) {
  const s = String(e).padStart(6, "0");
  return `${s.slice(0, -3)},${s.slice(-3)}`;
}

function lossText(v) {
  return v === null || v === undefined || !(v === v) ? "\u2013" : v.toFixed(3);
}

function numberText(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? v.toFixed(3) : v.toExponential(2);
}

// ------------------------------------------------------------------ the view

function render({ model, el }) {
  const set = (name, value) => { model.set(name, value); model.save_changes(); };
  const has = (name) => (model.get("available") || []).includes(name);
  const modern = () => model.get("mode") === "modern";
  const root = h("div", { class: "dlpg" });
  root.dataset.frames = "0";
  el.append(root);

  // Top bar: player and the training settings.
  const playButton = h("button", { class: "dlpg-play", title: "Run/Pause", "aria-label": "Play",
    onclick: () => set("playing", !model.get("playing")) });
  const resetButton = h("button", { class: "dlpg-round", title: "Reset the network",
    "aria-label": "Reset", onclick: () => model.send({ action: "reset" }) }, icon("reset"));
  const stepButton = h("button", { class: "dlpg-round", title: "Train one epoch",
    "aria-label": "Step", onclick: () => model.send({ action: "step" }) }, icon("step"));
  const epochValue = h("span", { class: "dlpg-epoch-value" });
  const speed = select(SPEEDS.map((s) => [s, s === 1 ? "1 epoch" : `${s} epochs`]),
    (v) => set("epochs_per_frame", Number(v)));
  const lr = select(LEARNING_RATES.map((r) => [r, String(r)]),
    (v) => set("learning_rate", Number(v)));
  const activation = select(TF_ACTIVATIONS, (v) => set("activation", v),
    { class: "dlpg-activation" });
  const reg = select([["none", "None"], ["L1", "L1"], ["L2", "L2"]],
    (v) => set("regularization", v));
  const regRate = select(REG_RATES.map((r) => [r, String(r)]), (v) => set("reg_rate", Number(v)));
  const problem = select([["classification", "Classification"], ["regression", "Regression"]],
    (v) => set("problem", v));
  const mode = select([["compat", "TF Playground"], ["modern", "Modern"]], (v) => set("mode", v),
    { class: "dlpg-mode" });
  const pngButton = h("button", { class: "dlpg-button dlpg-png",
    title: "Download the current view as a PNG image", onclick: () => downloadPng() }, "PNG");
  const top = h("div", { class: "dlpg-top" },
    h("div", { class: "dlpg-player" }, resetButton, playButton, stepButton),
    h("div", { class: "dlpg-field dlpg-epoch" }, h("span", { class: "dlpg-label" }, "Epoch"),
      epochValue),
    field("Epochs per frame", speed), field("Learning rate", lr),
    field("Activation", activation), field("Regularization", reg),
    field("Regularization rate", regRate), field("Problem type", problem),
    field("Training", mode), pngButton);

  // Second bar: the modern mode's settings.
  const modernControls = {
    loss: select([["auto", "Auto"], ["cross_entropy", "Cross-entropy"], ["mse", "MSE"]],
      (v) => set("loss", v), { class: "dlpg-loss-select" }),
    optimizer: select([["sgd", "SGD"], ["momentum", "Momentum"], ["adam", "Adam"]],
      (v) => set("optimizer", v), { class: "dlpg-optimizer" }),
    init: select([["tf", "TF (U\u00b10.5)"], ["xavier", "Xavier"], ["he", "He"]],
      (v) => set("init", v), { class: "dlpg-init" }),
    lr_schedule: select([["none", "Constant"], ["step", "Step"], ["exponential", "Exponential"],
      ["cosine", "Cosine"]], (v) => set("lr_schedule", v), { class: "dlpg-schedule" }),
    lr_decay: select(DECAYS.map((d) => [d, `\u00d7${d}`]), (v) => set("lr_decay", Number(v))),
    lr_step: select(STEPS.map((s) => [s, `${s} epochs`]), (v) => set("lr_step", Number(v))),
    dropout: select(DROPOUTS.map((d) => [d, d ? `${Math.round(d * 100)} %` : "None"]),
      (v) => set("dropout", Number(v)), { class: "dlpg-dropout" }),
    max_epochs: select(MAX_EPOCHS.map((e) => [e, e ? String(e) : "No limit"]),
      (v) => set("max_epochs", Number(v))),
    early_stopping: select(PATIENCES.map((e) => [e, e ? `${e} epochs` : "Off"]),
      (v) => set("early_stopping", Number(v))),
  };
  const shuffle = h("input", { type: "checkbox", onchange: () => set("shuffle", shuffle.checked) });
  const modernFields = {
    loss: field("Loss", modernControls.loss),
    optimizer: field("Optimizer", modernControls.optimizer),
    init: field("Initialization", modernControls.init),
    lr_schedule: field("Learning-rate schedule", modernControls.lr_schedule),
    lr_decay: field("Decay", modernControls.lr_decay),
    lr_step: field("Every", modernControls.lr_step),
    dropout: field("Dropout", modernControls.dropout),
    max_epochs: field("Max epochs", modernControls.max_epochs),
    early_stopping: field("Early stopping", modernControls.early_stopping),
    shuffle: h("label", { class: "dlpg-check" }, shuffle, " Shuffle each epoch"),
  };
  const modernBar = h("div", { class: "dlpg-modern" }, ...Object.values(modernFields));
  const errorBox = h("div", { class: "dlpg-error" });
  const noticeBox = h("div", { class: "dlpg-notice" });

  // Left: data.
  const datasetBox = h("div", { class: "dlpg-datasets" });
  const slider = (min, max, stepSize, name, toTrait, fromTrait, fmt) => {
    const input = h("input", { type: "range", min, max, step: stepSize });
    const value = h("span", { class: "dlpg-value" });
    input.addEventListener("input", () => { value.textContent = fmt(Number(input.value)); });
    input.addEventListener("change", () => set(name, toTrait(Number(input.value))));
    const sync = () => {
      input.value = String(fromTrait(model.get(name)));
      value.textContent = fmt(Number(input.value));
    };
    return { input, value, sync };
  };
  const ratio = slider(10, 90, 10, "train_ratio", (v) => v / 100, (v) => Math.round(v * 100),
    (v) => `${v}%`);
  const noise = slider(0, 50, 5, "noise", (v) => v / 100, (v) => Math.round(v * 100),
    (v) => String(v));
  const batch = slider(1, 30, 1, "batch_size", (v) => v, (v) => v, (v) => String(v));
  const sliderRow = (label, s) => h("div", { class: "dlpg-slider" },
    h("div", { class: "dlpg-label" }, label, ": ", s.value), s.input);
  // Drawing points: a toggle, the class (or value) of the next point, and "clear".
  const drawToggle = h("input", { type: "checkbox", class: "dlpg-draw-toggle",
    onchange: () => set("draw_mode", drawToggle.checked) });
  const drawClasses = h("div", { class: "dlpg-draw-classes" });
  const drawValue = h("input", { type: "number", min: -1, max: 1, step: 0.1, value: 1,
    class: "dlpg-draw-value", title: "Value of the next point" });
  let drawLabel = 1;
  const clearButton = h("button", { class: "dlpg-button dlpg-clear",
    onclick: () => model.send({ action: "clear_data" }) }, "Clear data");
  const drawBox = h("div", { class: "dlpg-draw" },
    h("label", { class: "dlpg-check", title: "Click the output map to add a point" },
      drawToggle, " Draw points"),
    drawClasses, drawValue, clearButton);
  const data = h("div", { class: "dlpg-col dlpg-data" },
    h("h3", {}, "Data"),
    h("div", { class: "dlpg-label" }, "Which dataset do you want to use?"), datasetBox,
    sliderRow("Ratio of training to test data", ratio),
    sliderRow("Noise", noise),
    sliderRow("Batch size", batch),
    h("button", { class: "dlpg-button", onclick: () => model.send({ action: "regenerate" }) },
      "Regenerate"),
    drawBox);

  // Middle: the network, and its gradient norms.
  const netArea = h("div", { class: "dlpg-netarea" });
  const layersLabel = h("span", { class: "dlpg-layers-label" });
  const viewWeights = h("button", { class: "dlpg-toggle", "data-view": "weights",
    onclick: () => set("link_view", "weights") }, "Weights");
  const viewGradients = h("button", { class: "dlpg-toggle", "data-view": "gradients",
    onclick: () => set("link_view", "gradients") }, "Gradients");
  const linkLegend = h("div", { class: "dlpg-link-legend" });
  const gradCanvas = h("canvas", { class: "dlpg-gradchart" });
  const gradLegend = h("div", { class: "dlpg-gradlegend" });
  const net = h("div", { class: "dlpg-col dlpg-net" },
    h("div", { class: "dlpg-net-header" },
      h("button", { class: "dlpg-round dlpg-small", title: "Add a hidden layer",
        onclick: () => changeLayers(1) }, "+"),
      h("button", { class: "dlpg-round dlpg-small", title: "Remove the last hidden layer",
        onclick: () => changeLayers(-1) }, "\u2212"),
      layersLabel,
      h("span", { class: "dlpg-linkview" }, h("span", { class: "dlpg-label" }, "Links show "),
        viewWeights, viewGradients)),
    linkLegend,
    netArea);
  const tooltip = h("div", { class: "dlpg-tooltip" });
  const bigCanvas = h("canvas", { class: "dlpg-big" });
  const tooltipTitle = h("div", { class: "dlpg-tooltip-title" });
  tooltip.append(tooltipTitle, bigCanvas);
  // The editor of a weight or a bias: a number box at the clicked link or neuron.
  const editorLabel = h("div", { class: "dlpg-label" });
  const editorInput = h("input", { type: "number", step: "any", class: "dlpg-edit-input" });
  const editor = h("div", { class: "dlpg-editor" }, editorLabel, editorInput);
  let editing = null;

  // Right: the output.
  const testLoss = h("span", { class: "dlpg-loss-value" });
  const trainLoss = h("span", { class: "dlpg-loss-value" });
  const scoreLine = h("div", { class: "dlpg-score" });
  const curve = h("canvas", { class: "dlpg-curve" });
  const curveLegend = h("div", { class: "dlpg-legend" });
  const pinButton = h("button", { class: "dlpg-button dlpg-pin",
    title: "Keep this run's loss curves as A, to compare with the next run",
    onclick: () => model.send({ action: "pin" }) }, "Pin as A");
  const unpinButton = h("button", { class: "dlpg-button dlpg-unpin",
    onclick: () => model.send({ action: "unpin" }) }, "Clear A");
  const heat = h("canvas", { class: "dlpg-heat" });
  const dots = h("canvas", { class: "dlpg-dots" });
  const showTest = h("input", { type: "checkbox",
    onchange: () => set("show_test", showTest.checked) });
  const discretize = h("input", { type: "checkbox",
    onchange: () => set("discretize", discretize.checked) });
  const ticks = (axis) => [-6, -3, 0, 3, 6].map((t) => h("span", {
    class: `dlpg-tick dlpg-tick-${axis}`,
    style: axis === "x" ? `left:${((t + 6) / 12) * HEAT}px` : `top:${((6 - t) / 12) * HEAT}px`,
  }, String(t)));
  const heatBox = h("div", { class: "dlpg-heatbox", style: `width:${HEAT}px;height:${HEAT}px` },
    heat, dots, ...ticks("x"), ...ticks("y"),
    h("span", { class: "dlpg-axis dlpg-axis-x" }, "x\u2081"),
    h("span", { class: "dlpg-axis dlpg-axis-y" }, "x\u2082"));
  const colorbar = h("div", { class: "dlpg-colorbar" });
  const confusion = h("div", { class: "dlpg-confusion" });
  const out = h("div", { class: "dlpg-col dlpg-out" },
    h("h3", {}, "Output"),
    h("div", { class: "dlpg-loss dlpg-loss-test" }, "Test loss ", testLoss),
    h("div", { class: "dlpg-loss dlpg-loss-train" }, "Training loss ", trainLoss),
    scoreLine,
    heatBox, colorbar,
    h("label", { class: "dlpg-check" }, showTest, " Show test data"),
    h("label", { class: "dlpg-check" }, discretize, " Discretize output"));
  // Far right: the curves over epochs, and the confusion matrix.
  const curves = h("div", { class: "dlpg-col dlpg-curves" },
    h("h3", {}, "Training"),
    h("div", { class: "dlpg-label dlpg-chart-title" }, "Loss over epochs"),
    curve, curveLegend, h("div", { class: "dlpg-pins" }, pinButton, unpinButton),
    h("div", { class: "dlpg-label dlpg-chart-title" },
      "Gradient norm of each layer's weights (log scale)"),
    gradCanvas, gradLegend, confusion);

  // Bottom: the history scrubber.
  const scrubber = h("input", { type: "range", min: 0, max: 0, step: 1, value: 0,
    class: "dlpg-scrubber", "aria-label": "History" });
  const scrubText = h("span", { class: "dlpg-scrub-text" });
  const liveButton = h("button", { class: "dlpg-button dlpg-live",
    title: "Back to the network as it is now", onclick: () => set("scrub", -1) }, "Live");
  scrubber.addEventListener("input", () => {
    const n = (model.get("snapshot_epochs") || []).length;
    if (n) set("scrub", Math.min(Number(scrubber.value), n - 1));
  });
  const historyBar = h("div", { class: "dlpg-history" },
    h("span", { class: "dlpg-label" }, "History"), scrubber, scrubText, liveButton);

  root.append(top, modernBar, errorBox, noticeBox,
    h("div", { class: "dlpg-main" }, data, net, out, curves), historyBar, tooltip, editor);

  // ---------------------------------------------------------------- network drawing
  let nodes = []; // per column: [{canvas, grid (Float32Array|null), title, el, x, y}]
  let links = []; // [{path, layer, row, col, sx, sy, tx, ty}]
  let deadLabels = []; // per hidden layer, its "k dead" label
  let actSelects = []; // per hidden layer, its activation select
  let featureLabels = []; // [{text, x, y, active}]
  let structure = "";
  let hover = null;

  function changeLayers(delta) {
    const hidden = model.get("hidden").slice();
    if (delta > 0 && hidden.length < 6) hidden.push(2);
    else if (delta < 0 && hidden.length > 0) hidden.pop();
    else return;
    set("hidden", hidden);
  }
  function changeNeurons(layer, delta) {
    const hidden = model.get("hidden").slice();
    const n = hidden[layer] + delta;
    if (n < 1 || n > 8) return;
    hidden[layer] = n;
    set("hidden", hidden);
  }
  function toggleFeature(name) {
    const active = new Set(model.get("features"));
    if (active.has(name)) {
      if (active.size === 1) return;
      active.delete(name);
    } else active.add(name);
    set("features", FEATURES.filter((f) => active.has(f)));
  }
  function setLayerActivation(layer, value) {
    const acts = model.get("layer_activations").slice();
    acts[layer] = value;
    set("layer_activations", acts);
  }

  // Client rectangles are zoomed (the standalone page zooms the widget), CSS offsets are not.
  function zoom() { return root.currentCSSZoom || 1; }
  function placeIn(box, x, y) {
    const area = netArea.getBoundingClientRect();
    const base = root.getBoundingClientRect();
    box.style.left = `${(area.left - base.left) / zoom() + x}px`;
    box.style.top = `${(area.top - base.top) / zoom() + y}px`;
    box.style.display = "block";
  }

  function openEditor(target, x, y) {
    editing = target;
    const value = target.kind === "weight"
      ? model.get("weights")?.[target.layer]?.[target.row]?.[target.col]
      : model.get("biases")?.[target.layer]?.[target.row];
    editorLabel.textContent = target.title;
    editorInput.value = value === undefined ? "" : String(value);
    placeIn(editor, x, y);
    tooltip.style.display = "none";
    editorInput.focus();
    editorInput.select();
  }
  function closeEditor() { editing = null; editor.style.display = "none"; }
  editorInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closeEditor(); return; }
    if (event.key !== "Enter" || !editing) return;
    const value = Number(editorInput.value);
    if (editorInput.value.trim() === "" || !Number.isFinite(value)) return;
    const { kind, layer, row, col } = editing;
    model.send(kind === "weight" ? { action: "set_weight", layer, row, col, value }
      : { action: "set_bias", layer, row, value });
    closeEditor();
  });
  editorInput.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== editorInput) closeEditor();
  }, 150));

  function buildNetwork() {
    const hidden = model.get("hidden");
    const features = model.get("features");
    const sizes = model.get("layer_sizes") || [];
    const nOut = sizes.length ? sizes[sizes.length - 1] : 1;
    const nClasses = model.get("class_count");
    const nCols = hidden.length + 2;
    const colX = (c) => 62 + (c * (NET_WIDTH - 62 - NODE - 12)) / (nCols - 1);
    const rows = Math.max(7, ...hidden, nOut);
    const height = NET_TOP + rows * ROW + 14;
    netArea.replaceChildren();
    netArea.style.width = `${NET_WIDTH}px`;
    netArea.style.height = `${height}px`;
    layersLabel.textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;
    const linkLayer = svg("svg", { width: NET_WIDTH, height, class: "dlpg-links" });
    netArea.append(linkLayer);
    nodes = []; links = []; deadLabels = []; actSelects = []; featureLabels = [];
    const pos = []; // per column, per row index (of the network's layer), [x, y]

    // Column titles, +/- buttons and, in modern mode, each layer's activation.
    netArea.append(h("div", { class: "dlpg-coltitle", style: `left:${colX(0) - 40}px` },
      "Features"));
    hidden.forEach((n, l) => {
      const x = colX(l + 1);
      const act = select(MODERN_ACTIVATIONS.map(([v, label]) => [v, label.replace(" ReLU", "")]),
        (v) => setLayerActivation(l, v), { class: "dlpg-layer-act", title: `Layer ${l + 1}` });
      actSelects.push(act);
      netArea.append(h("div", { class: "dlpg-colctl", style: `left:${x + NODE / 2 - 30}px` },
        h("div", {},
          h("button", { class: "dlpg-round dlpg-small", title: "Add a neuron",
            onclick: () => changeNeurons(l, 1) }, "+"),
          h("button", { class: "dlpg-round dlpg-small", title: "Remove a neuron",
            onclick: () => changeNeurons(l, -1) }, "\u2212")),
        h("div", { class: "dlpg-label" }, `${n} neuron${n === 1 ? "" : "s"}`), act));
      const dead = h("div", { class: "dlpg-deadcount",
        style: `left:${x + NODE / 2 - 30}px;top:${NET_TOP + n * ROW - 6}px` });
      deadLabels.push(dead);
      netArea.append(dead);
    });
    netArea.append(h("div", { class: "dlpg-coltitle",
      style: `left:${colX(nCols - 1) - 6}px` }, "Output"));

    const addNode = (col, row, title, grid, extraClass, onclick) => {
      const x = colX(col);
      const y = NET_TOP + row * ROW;
      const canvas = h("canvas", { width: 20, height: 20 });
      const node = h("div", { class: `dlpg-node ${extraClass}`,
        style: `left:${x}px;top:${y}px` }, canvas);
      if (onclick) node.addEventListener("click", onclick);
      const entry = { canvas, grid, title, el: node, x, y, col };
      node.addEventListener("mouseenter", () => { hover = entry; showTooltip(node); });
      node.addEventListener("mouseleave", () => { hover = null; tooltip.style.display = "none"; });
      netArea.append(node);
      return { entry, x, y };
    };

    // Inputs: all seven features, the active ones in the network's order.
    const inputCol = []; const inputPos = [];
    FEATURES.forEach((name, row) => {
      const active = features.includes(name);
      const { entry, x, y } = addNode(0, row, FEATURE_LABELS[name], null,
        active ? "dlpg-feature" : "dlpg-feature dlpg-off", () => toggleFeature(name));
      entry.grid = featureGrid(name, 20);
      entry.active = active;
      paint(entry.canvas, entry.grid, 20, 0);
      netArea.append(h("div", { class: `dlpg-flabel${active ? "" : " dlpg-off"}`,
        style: `left:0;width:${x - 6}px;top:${y + NODE / 2 - 8}px` }, FEATURE_LABELS[name]));
      featureLabels.push({ text: FEATURE_LABELS[name], x: x - 6, y: y + NODE / 2, active });
      inputCol.push(entry);
      inputPos[name] = [x, y];
    });
    nodes.push(inputCol);
    pos.push(features.map((f) => inputPos[f]));
    [...hidden, nOut].forEach((n, l) => {
      const col = []; const colPos = [];
      const last = l === hidden.length;
      for (let r = 0; r < n; r++) {
        let title = `Layer ${l + 1}, neuron ${r + 1}`;
        if (last) title = nOut > 1 ? `Output: P(class ${r})` : "Output";
        const { entry, x, y } = addNode(l + 1, r, title, null, last ? "dlpg-output" : "");
        entry.layer = l; entry.row = r; entry.outputClass = last && nOut > 1 ? r : null;
        entry.el.addEventListener("click", () => openEditor({ kind: "bias", layer: l, row: r,
          title: `Bias of ${last ? title.toLowerCase() : title}` }, x + NODE + 6, y));
        col.push(entry); colPos.push([x, y]);
      }
      nodes.push(col); pos.push(colPos);
    });
    // Links: layer l goes from pos[l] to pos[l + 1]; weights[l][row][col].
    for (let l = 0; l + 1 < pos.length; l++) {
      pos[l + 1].forEach(([x2, y2], row) => {
        pos[l].forEach(([x1, y1], col) => {
          const sx = x1 + NODE; const sy = y1 + NODE / 2; const ty = y2 + NODE / 2;
          const mx = (sx + x2) / 2;
          const d = `M${sx},${sy} C${mx},${sy} ${mx},${ty} ${x2},${ty}`;
          const path = svg("path", { d, class: "dlpg-link" });
          // A wide transparent twin takes the clicks, so that thin links are easy to hit.
          const hit = svg("path", { d, class: "dlpg-link-hit" });
          hit.dataset.layer = String(l); hit.dataset.row = String(row); hit.dataset.col = String(col);
          const link = { path, hit, layer: l, row, col, sx, sy, tx: x2, ty };
          const title = `Weight from ${l === 0 ? FEATURE_LABELS[features[col]]
            : `layer ${l}, neuron ${col + 1}`} to ${l === hidden.length
            ? "the output" : `layer ${l + 1}, neuron ${row + 1}`}`;
          hit.addEventListener("mouseenter", () => {
            const w = model.get("weights")?.[l]?.[row]?.[col];
            const g = link.gradient;
            tooltipTitle.textContent = `Weight ${w === undefined ? "" : w.toFixed(3)}` +
              (g === undefined ? "" : `, gradient ${numberText(g)}`) + " (click to edit)";
            bigCanvas.style.display = "none";
            path.classList.add("dlpg-link-hover");
            placeIn(tooltip, x2 - 60, ty + 10);
          });
          hit.addEventListener("mouseleave", () => {
            tooltip.style.display = "none"; bigCanvas.style.display = "";
            path.classList.remove("dlpg-link-hover");
          });
          hit.addEventListener("click", (event) => {
            event.stopPropagation();
            openEditor({ kind: "weight", layer: l, row, col, title }, mx - 40, (sy + ty) / 2);
          });
          linkLayer.append(path);
          links.push(link);
        });
      });
    }
    for (const link of links) linkLayer.append(link.hit);
    if (nClasses > 2) root.dataset.classes = String(nClasses);
  }

  function showTooltip(node) {
    tooltipTitle.textContent = hover.title + (hover.layer !== undefined ? " (click: bias)" : "");
    bigCanvas.style.display = "";
    drawHover();
    placeIn(tooltip, node.offsetLeft + NODE + 8, node.offsetTop - 20);
  }
  function paintNode(canvas, values, res, offset, entry) {
    if (entry.outputClass !== null && entry.outputClass !== undefined) {
      paintRamp(canvas, values, res, offset, classColor(entry.outputClass));
    } else if (entry.col === nodes.length - 1) {
      const [low, high] = model.get("output_range") || [-1, 1];
      paint(canvas, values, res, offset, { low, high });
    } else paint(canvas, values, res, offset);
  }
  function drawHover() {
    if (!hover || !hover.grid) return;
    const res = Math.round(Math.sqrt(hover.grid.length));
    paintNode(bigCanvas, hover.grid, res, 0, hover);
  }

  function linkStyle(w, g, gMax) {
    if (model.get("link_view") === "gradients") {
      // Colour and width by |gradient|, on a log scale over 3 decades below the largest.
      const t = g === undefined || !(gMax > 0) ? 0
        : Math.max(0, Math.min(1, 1 + Math.log10(Math.abs(g) / gMax + 1e-30) / 3));
      const c = [0, 1, 2].map((i) => Math.round(225 + (VERMILLION[i] - 225) * t));
      return { width: 0.8 + 5 * t, color: rgb(c), opacity: 0.35 + 0.65 * t };
    }
    const a = Math.abs(w);
    return { width: Math.min(1 + 2.2 * a, 9), color: rgb(w < 0 ? BLUE : ORANGE),
      opacity: Math.min(0.25 + 0.75 * a, 1) };
  }

  function updateNetwork() {
    const res = model.get("thumb_resolution");
    const grids = floats(model.get("neuron_grids"));
    let offset = 0;
    for (let l = 1; l < nodes.length; l++) {
      nodes[l].forEach((entry) => {
        if (offset + res * res > grids.length) return;
        entry.grid = grids.subarray(offset, offset + res * res);
        paintNode(entry.canvas, grids, res, offset, entry);
        offset += res * res;
      });
    }
    const weights = model.get("weights") || [];
    const gradients = floats(model.get("link_gradients"));
    const starts = []; let start = 0;
    for (const w of weights) { starts.push(start); start += w.length * (w[0] || []).length; }
    let gMax = 0;
    for (const g of gradients) if (Number.isFinite(g)) gMax = Math.max(gMax, Math.abs(g));
    for (const link of links) {
      const w = weights[link.layer]?.[link.row]?.[link.col];
      if (w === undefined) continue;
      const nIn = weights[link.layer][0].length;
      const k = starts[link.layer] + link.row * nIn + link.col;
      link.gradient = k < gradients.length ? gradients[k] : undefined;
      const style = linkStyle(w, link.gradient, gMax);
      link.style = style;
      link.path.style.strokeWidth = `${style.width.toFixed(2)}px`;
      link.path.style.stroke = style.color;
      link.path.style.strokeOpacity = style.opacity.toFixed(2);
    }
    const gradientView = model.get("link_view") === "gradients";
    linkLegend.textContent = gradientView
      ? `Colour and width: size of \u2202loss/\u2202w (largest ${numberText(gMax)}; 3 decades shown)`
      : "Colour: sign of the weight (blue < 0 < orange); width: its size";
    const dead = model.get("dead") || [];
    deadLabels.forEach((label, l) => {
      const flags = dead[l] || [];
      const count = flags.reduce((a, b) => a + b, 0);
      label.textContent = count ? `${count} dead` : "";
      nodes[l + 1]?.forEach((entry, r) => entry.el.classList.toggle("dlpg-dead", !!flags[r]));
    });
    drawHover();
  }

  // ---------------------------------------------------------------- output drawing
  const dpr = window.devicePixelRatio || 1;
  dots.width = HEAT * dpr; dots.height = HEAT * dpr;
  const CURVE_W = 290; const CURVE_H = 90;
  curve.width = CURVE_W * dpr; curve.height = CURVE_H * dpr;
  curve.style.width = `${CURVE_W}px`; curve.style.height = `${CURVE_H}px`;
  const GRAD_W = 290; const GRAD_H = 90;
  gradCanvas.width = GRAD_W * dpr; gradCanvas.height = GRAD_H * dpr;
  gradCanvas.style.width = `${GRAD_W}px`; gradCanvas.style.height = `${GRAD_H}px`;

  function pointColor(label) {
    const k = model.get("class_count");
    if (k > 2) return rgb(classColor(Math.round(label)));
    return cssColor(label);
  }

  function drawPoints() {
    const ctx = dots.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, HEAT, HEAT);
    const p = floats(model.get("points"));
    const withTest = model.get("show_test");
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k + 3 < p.length; k += 4) {
        const isTest = p[k + 3] > 0.5;
        if (isTest !== (pass === 1) || (isTest && !withTest)) continue;
        const x = ((p[k] + EXTENT) / (2 * EXTENT)) * HEAT;
        const y = ((EXTENT - p[k + 1]) / (2 * EXTENT)) * HEAT;
        ctx.beginPath();
        ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = pointColor(p[k + 2]);
        ctx.fill();
        ctx.lineWidth = isTest ? 1.2 : 1;
        ctx.strokeStyle = isTest ? "#000" : "#fff";
        ctx.stroke();
      }
    }
    root.dataset.points = String(p.length / 4);
  }

  // An epoch marker (the scrubber's position) on a chart whose x axis maps epochs by px().
  function drawMarker(ctx, px, top, bottom) {
    if (model.get("scrub") < 0) return;
    const x = px(model.get("epoch"));
    ctx.strokeStyle = rgb(VERMILLION); ctx.lineWidth = 1.2; ctx.setLineDash([3, 2]);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
    ctx.setLineDash([]);
  }

  function drawCurve() {
    const series = floats(model.get("history"));
    const pinned = floats(model.get("pinned"));
    const runs = [];
    if (pinned.length) runs.push({ s: pinned, n: pinned.length / 3, pinned: true });
    runs.push({ s: series, n: series.length / 3, pinned: false });
    const ctx = curve.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, CURVE_W, CURVE_H);
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(28, 4); ctx.lineTo(28, CURVE_H - 14);
    ctx.lineTo(CURVE_W - 2, CURVE_H - 14); ctx.stroke();
    let top = 0; let last = 1;
    for (const { s, n } of runs) {
      if (n < 1) continue;
      last = Math.max(last, s[n - 1]);
      for (let k = n; k < 3 * n; k++) if (Number.isFinite(s[k])) top = Math.max(top, s[k]);
    }
    top = top || 1;
    const px = (e) => 28 + (e / last) * (CURVE_W - 32);
    const py = (v) => CURVE_H - 14 - (Math.min(v, top) / top) * (CURVE_H - 20);
    ctx.font = "10px sans-serif"; ctx.fillStyle = "#555";
    ctx.textAlign = "right"; ctx.fillText(top.toFixed(2), 26, 10); ctx.fillText("0", 26, CURVE_H - 12);
    ctx.textAlign = "left"; ctx.fillText("0", 26, CURVE_H - 2);
    ctx.textAlign = "right"; ctx.fillText(`epoch ${Math.round(last)}`, CURVE_W - 2, CURVE_H - 2);
    for (const { s, n, pinned: isPinned } of runs) {
      const lines = isPinned ? [[2, rgb(VERMILLION)], [1, "rgb(237,167,127)"]]
        : [[2, "#000"], [1, "#999"]];
      ctx.setLineDash(isPinned ? [5, 3] : []);
      for (const [row, color] of lines) {
        ctx.strokeStyle = color; ctx.lineWidth = 1.6; ctx.beginPath();
        for (let k = 0; k < n; k++) {
          const v = Number.isFinite(s[row * n + k]) ? s[row * n + k] : top;
          if (k === 0) ctx.moveTo(px(s[k]), py(v)); else ctx.lineTo(px(s[k]), py(v));
        }
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    drawMarker(ctx, px, 4, CURVE_H - 14);
    const item = (color, dashed, text) => h("span", { class: "dlpg-legend-item" },
      h("span", { class: `dlpg-swatch${dashed ? " dlpg-dashed" : ""}`,
        style: `border-color:${color}` }), text);
    const label = model.get("pinned_label");
    const items = [item("#000", false, "test"), item("#999", false, "training")];
    if (pinned.length) {
      items.push(item(rgb(VERMILLION), true, `${label}: test`),
        item("rgb(237,167,127)", true, "training"));
    }
    curveLegend.replaceChildren(...items);
    curveLegend.dataset.text = pinned.length ? `solid: this run, dashed: ${label}`
      : "test (black), training (grey)";
    unpinButton.style.display = pinned.length ? "" : "none";
  }

  function drawGradients() {
    const g = floats(model.get("grad_history"));
    const sizes = model.get("layer_sizes") || [];
    const nLayers = sizes.length - 1;
    const ctx = gradCanvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, GRAD_W, GRAD_H);
    const left = 36; const bottom = GRAD_H - 14;
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(left, 4); ctx.lineTo(left, bottom); ctx.lineTo(GRAD_W - 2, bottom);
    ctx.stroke();
    const width = nLayers + 1;
    const n = nLayers > 0 ? Math.floor(g.length / width) : 0;
    const legend = [];
    for (let l = 0; l < nLayers; l++) {
      legend.push(h("span", { class: "dlpg-legend-item" }, h("span", { class: "dlpg-swatch",
        style: `border-color:${rgb(classColor(l))}` }), l === nLayers - 1 ? "output" : `layer ${l + 1}`));
    }
    gradLegend.replaceChildren(...legend);
    if (n < 1) return;
    let lo = Infinity; let hi = -Infinity; let last = 1;
    for (let k = 0; k < n; k++) {
      last = Math.max(last, g[k * width]);
      for (let l = 1; l < width; l++) {
        const v = g[k * width + l];
        if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    if (!Number.isFinite(lo)) return;
    let a = Math.floor(Math.log10(lo)); let b = Math.ceil(Math.log10(hi));
    if (b <= a) b = a + 1;
    const px = (e) => left + (e / last) * (GRAD_W - left - 4);
    const py = (v) => bottom - ((Math.log10(v) - a) / (b - a)) * (bottom - 6);
    ctx.font = "10px sans-serif"; ctx.fillStyle = "#555"; ctx.textAlign = "right";
    ctx.fillText(`1e${b}`, left - 2, 10); ctx.fillText(`1e${a}`, left - 2, bottom);
    ctx.fillText(`epoch ${Math.round(last)}`, GRAD_W - 2, GRAD_H - 2);
    for (let l = 1; l < width; l++) {
      ctx.strokeStyle = rgb(classColor(l - 1)); ctx.lineWidth = 1.5; ctx.beginPath();
      let started = false;
      for (let k = 0; k < n; k++) {
        const v = g[k * width + l];
        if (!(v > 0) || !Number.isFinite(v)) { started = false; continue; }
        if (!started) { ctx.moveTo(px(g[k * width]), py(v)); started = true; }
        else ctx.lineTo(px(g[k * width]), py(v));
      }
      ctx.stroke();
    }
    drawMarker(ctx, px, 4, bottom);
  }

  function drawOutput() {
    const res = model.get("grid_resolution");
    const grid = floats(model.get("output_grid"));
    const k = model.get("class_count");
    if (k > 2) {
      if (grid.length === 2 * res * res) paintClasses(heat, grid, res, k, model.get("discretize"));
      return;
    }
    const [low, high] = model.get("output_range") || [-1, 1];
    if (grid.length === res * res) {
      paint(heat, grid, res, 0, { discretize: model.get("discretize"), strength: HEAT_STRENGTH,
        low, high });
    }
  }

  function drawColorbar() {
    const k = model.get("class_count");
    if (k > 2) {
      colorbar.replaceChildren(h("span", {}, "Class"), ...Array.from({ length: k }, (_, c) =>
        h("span", { class: "dlpg-legend-item" }, h("span", { class: "dlpg-dot",
          style: `background:${rgb(classColor(c))}` }), String(c))),
      h("span", {}, "(paler: less sure)"));
      colorbar.dataset.text = "Colour: predicted class (paler: less sure)";
      return;
    }
    const [low, high] = model.get("output_range") || [-1, 1];
    const name = low === 0 ? "P(class 1)" : "Output";
    colorbar.dataset.text = `${name} from ${low} (blue) to ${high} (orange)`;
    colorbar.replaceChildren(h("span", {}, `${name} ${low === 0 ? "0" : "\u22121"}`),
      h("div", { class: "dlpg-gradient",
        style: `background:linear-gradient(to right,${cssColor(-HEAT_STRENGTH)},#fff,` +
          `${cssColor(HEAT_STRENGTH)})` }), h("span", {}, String(high)));
  }

  function drawScores() {
    const name = model.get("score_name");
    const train = model.get("train_score"); const test = model.get("test_score");
    const fmt = (v) => (v === null || v === undefined ? "\u2013"
      : name === "accuracy" ? `${(100 * v).toFixed(1)} %` : v.toFixed(3));
    scoreLine.textContent = name ? `Test ${name} ${fmt(test)}, training ${fmt(train)}` : "";
    const matrix = model.get("confusion") || [];
    if (!matrix.length) { confusion.replaceChildren(); return; }
    const head = h("tr", {}, h("th", {}, "true \\ predicted"), ...matrix.map((_, c) =>
      h("th", {}, h("span", { class: "dlpg-dot", style: `background:${rgb(classColor(c))}` }),
        ` ${c}`)));
    const body = matrix.map((row, r) => h("tr", {}, h("th", {}, h("span", { class: "dlpg-dot",
      style: `background:${rgb(classColor(r))}` }), ` ${r}`), ...row.map((v, c) =>
      h("td", { class: r === c ? "dlpg-diag" : "" }, String(v)))));
    confusion.replaceChildren(h("div", { class: "dlpg-label" },
      "Confusion matrix of the test points"), h("table", {}, head, ...body));
  }

  function drawHistoryBar() {
    const epochs = model.get("snapshot_epochs") || [];
    const scrub = model.get("scrub");
    scrubber.max = String(Math.max(epochs.length - 1, 0));
    scrubber.value = String(scrub < 0 ? epochs.length - 1 : scrub);
    scrubber.disabled = epochs.length < 2;
    scrubText.textContent = scrub < 0 ? `live (${epochs.length} snapshots kept)`
      : `replaying epoch ${epochs[scrub]}`;
    liveButton.disabled = scrub < 0;
    root.classList.toggle("dlpg-replaying", scrub >= 0);
    root.dataset.scrub = String(scrub);
  }

  // ---------------------------------------------------------------- draw mode
  function drawChoices() {
    const k = model.get("class_count");
    drawValue.style.display = k === 0 ? "" : "none";
    if (k === 0) { drawClasses.replaceChildren(); return; }
    const labels = k > 2 ? Array.from({ length: k }, (_, c) => c) : [-1, 1];
    if (!labels.includes(drawLabel)) drawLabel = labels[labels.length - 1];
    drawClasses.replaceChildren(...labels.map((label) => h("button", {
      class: `dlpg-draw-class${label === drawLabel ? " dlpg-selected" : ""}`,
      "data-label": String(label), title: `Draw points of class ${label}`,
      style: `background:${pointColor(label)}`,
      onclick: () => { drawLabel = label; drawChoices(); } }, k > 2 ? String(label)
      : (label > 0 ? "+" : "\u2212"))));
  }
  dots.addEventListener("click", (event) => {
    if (!model.get("draw_mode")) return;
    const rect = dots.getBoundingClientRect();
    const x1 = ((event.clientX - rect.left) / rect.width) * 2 * EXTENT - EXTENT;
    const x2 = EXTENT - ((event.clientY - rect.top) / rect.height) * 2 * EXTENT;
    const label = model.get("class_count") === 0 ? Number(drawValue.value) : drawLabel;
    model.send({ action: "add_point", x1, x2, label });
  });

  // ---------------------------------------------------------------- PNG export
  function compositeCanvas() {
    const scale = 2;
    const netH = netArea.offsetHeight;
    const nx = 10; const hx = nx + NET_WIDTH + 30; const cx = hx + HEAT + 40; const y0 = 44;
    const W = cx + CURVE_W + 20;
    const H = y0 + Math.max(netH, HEAT + 50, CURVE_H + GRAD_H + 80) + 20;
    const canvas = document.createElement("canvas");
    canvas.width = W * scale; canvas.height = H * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = "#333"; ctx.font = "16px sans-serif"; ctx.textAlign = "left";
    const scrub = model.get("scrub");
    ctx.fillText(`Epoch ${model.get("epoch")}${scrub >= 0 ? " (replay)" : ""}: training loss ` +
      `${lossText(model.get("train_loss"))}, test loss ${lossText(model.get("test_loss"))}` +
      (scoreLine.textContent ? ` \u2014 ${scoreLine.textContent}` : ""), 12, 26);
    // The network: links, nodes and feature labels, at their places on the screen.
    ctx.save(); ctx.translate(nx, y0);
    ctx.font = "12px sans-serif"; ctx.fillStyle = "#555";
    ctx.fillText(linkLegend.textContent, 0, 12);
    for (const link of links) {
      if (!link.style) continue;
      const mx = (link.sx + link.tx) / 2;
      ctx.strokeStyle = link.style.color; ctx.globalAlpha = link.style.opacity;
      ctx.lineWidth = link.style.width; ctx.beginPath(); ctx.moveTo(link.sx, link.sy);
      ctx.bezierCurveTo(mx, link.sy, mx, link.ty, link.tx, link.ty); ctx.stroke();
    }
    ctx.globalAlpha = 1; ctx.imageSmoothingEnabled = false;
    nodes.forEach((col, c) => col.forEach((entry) => {
      ctx.globalAlpha = c === 0 && !entry.active ? 0.28 : 1;
      ctx.drawImage(entry.canvas, entry.x, entry.y, NODE, NODE);
      ctx.strokeStyle = "#666"; ctx.lineWidth = 1; ctx.strokeRect(entry.x, entry.y, NODE, NODE);
    }));
    ctx.textAlign = "right"; ctx.fillStyle = "#333"; ctx.font = "13px sans-serif";
    for (const f of featureLabels) {
      ctx.globalAlpha = f.active ? 1 : 0.28; ctx.fillText(f.text, f.x, f.y + 4);
    }
    ctx.restore();
    // The output map and its points, with its axes.
    ctx.textAlign = "left"; ctx.fillStyle = "#555"; ctx.font = "12px sans-serif";
    ctx.fillText("Output over x\u2081, x\u2082 \u2208 [\u22126, 6]", hx, y0 + 12);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, hx, y0 + 20, HEAT, HEAT);
    ctx.drawImage(dots, hx, y0 + 20, HEAT, HEAT);
    ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.strokeRect(hx, y0 + 20, HEAT, HEAT);
    ctx.fillText(colorbar.dataset.text || "", hx, y0 + HEAT + 38);
    // The curves: losses (with the pinned run) and gradient norms.
    ctx.fillText("Loss over epochs", cx, y0 + 12);
    ctx.drawImage(curve, cx, y0 + 20, CURVE_W, CURVE_H);
    ctx.font = "11px sans-serif";
    let legend = curveLegend.dataset.text || "";
    while (legend.length > 10 && ctx.measureText(legend).width > CURVE_W) {
      legend = `${legend.slice(0, -2)}\u2026`;
    }
    ctx.fillText(legend, cx, y0 + CURVE_H + 34);
    ctx.font = "12px sans-serif";
    ctx.fillText("Gradient norm per layer (log scale)", cx, y0 + CURVE_H + 58);
    ctx.drawImage(gradCanvas, cx, y0 + CURVE_H + 66, GRAD_W, GRAD_H);
    return canvas;
  }
  function downloadPng() {
    const canvas = compositeCanvas();
    const link = h("a", { href: canvas.toDataURL("image/png"),
      download: `playground-epoch-${model.get("epoch")}.png` });
    root.append(link);
    link.click();
    link.remove();
    root.dataset.png = `${canvas.width}x${canvas.height}`;
  }

  // ---------------------------------------------------------------- syncing
  function syncControls() {
    playButton.replaceChildren(icon(model.get("playing") ? "pause" : "play"));
    playButton.setAttribute("aria-label", model.get("playing") ? "Pause" : "Play");
    playButton.classList.toggle("dlpg-playing", model.get("playing"));
    speed.value = String(model.get("epochs_per_frame"));
    lr.value = String(model.get("learning_rate"));
    const acts = modern() ? MODERN_ACTIVATIONS : TF_ACTIVATIONS;
    setOptions(activation, model.get("activation") === "mixed"
      ? [...acts, ["mixed", "Per layer"]] : acts);
    activation.value = model.get("activation");
    reg.value = model.get("regularization");
    regRate.value = String(model.get("reg_rate"));
    problem.value = model.get("problem");
    mode.value = model.get("mode");
    mode.parentElement.style.display = has("mode") ? "" : "none";
    for (const [name, control] of Object.entries(modernControls)) {
      control.value = String(model.get(name));
    }
    shuffle.checked = model.get("shuffle");
    const schedule = model.get("lr_schedule");
    for (const [name, node] of Object.entries(modernFields)) {
      let shown = has(name);
      if (name === "lr_decay" || name === "lr_step") shown = shown && schedule !== "none" &&
        schedule !== "cosine";
      node.style.display = shown ? "" : "none";
    }
    modernBar.style.display = modern() ? "" : "none";
    const layerActs = model.get("layer_activations") || [];
    actSelects.forEach((s, l) => {
      s.value = layerActs[l] || "tanh";
      s.style.visibility = modern() ? "visible" : "hidden";
    });
    ratio.sync(); noise.sync(); batch.sync();
    showTest.checked = model.get("show_test");
    discretize.checked = model.get("discretize");
    errorBox.textContent = model.get("error");
    errorBox.style.display = model.get("error") ? "block" : "none";
    noticeBox.textContent = model.get("notice");
    noticeBox.style.display = model.get("notice") ? "block" : "none";
    const view = model.get("link_view");
    viewWeights.classList.toggle("dlpg-selected", view === "weights");
    viewGradients.classList.toggle("dlpg-selected", view === "gradients");
    drawToggle.checked = model.get("draw_mode");
    drawBox.style.display = model.get("can_draw") ? "" : "none";
    dots.classList.toggle("dlpg-drawing", model.get("draw_mode"));
    const names = model.get("dataset_names") || {};
    const current = model.get("dataset");
    const shown = [...(names[model.get("problem")] || [])];
    if (!shown.includes(current)) shown.push(current);
    datasetBox.replaceChildren(...shown.map((value) =>
      h("button", { class: `dlpg-dataset${value === current ? " dlpg-selected" : ""}`,
        "data-dataset": value, onclick: () => set("dataset", value) },
      DATASET_LABELS[value] || value)));
  }

  let scheduled = false;
  let drawTime = 0; // moving average of a redraw's duration, ms (kept in data-draw-ms)
  function drawFrame() {
    scheduled = false;
    const t0 = performance.now();
    const key = JSON.stringify([model.get("hidden"), model.get("features"),
      model.get("layer_sizes"), model.get("class_count")]);
    if (key !== structure) { structure = key; buildNetwork(); syncControls(); drawChoices(); }
    epochValue.textContent = epochText(model.get("epoch"));
    testLoss.textContent = lossText(model.get("test_loss"));
    trainLoss.textContent = lossText(model.get("train_loss"));
    updateNetwork();
    drawOutput();
    drawCurve();
    drawGradients();
    drawScores();
    drawHistoryBar();
    drawTime = 0.9 * drawTime + 0.1 * (performance.now() - t0);
    root.dataset.drawMs = drawTime.toFixed(2);
    root.dataset.frames = String(Number(root.dataset.frames) + 1);
    root.dataset.epoch = String(model.get("epoch"));
    root.dataset.frame = String(model.get("frame"));
  }
  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(drawFrame); }
  }

  const controls = ["playing", "epochs_per_frame", "learning_rate", "activation", "regularization",
    "reg_rate", "problem", "dataset", "train_ratio", "noise", "batch_size", "show_test",
    "discretize", "error", "notice", "mode", "loss", "optimizer", "init", "shuffle",
    "lr_schedule", "lr_decay", "lr_step", "dropout", "max_epochs", "early_stopping",
    "layer_activations", "available", "dataset_names", "link_view", "draw_mode", "can_draw"];
  const onControls = () => syncControls();
  const onFrame = () => schedule();
  const onPoints = () => drawPoints();
  const onDiscretize = () => drawOutput();
  const onClasses = () => { drawColorbar(); drawChoices(); drawPoints(); };
  const onView = () => { updateNetwork(); };
  const onPinned = () => { drawCurve(); };
  for (const name of controls) model.on(`change:${name}`, onControls);
  model.on("change:frame", onFrame);
  model.on("change:points", onPoints);
  model.on("change:show_test", onPoints);
  model.on("change:discretize", onDiscretize);
  model.on("change:class_count", onClasses);
  model.on("change:output_range", onClasses);
  model.on("change:link_view", onView);
  model.on("change:pinned", onPinned);
  model.on("change:pinned_label", onPinned);

  syncControls();
  drawFrame();
  drawPoints();
  drawColorbar();
  drawChoices();
  return () => {
    for (const name of controls) model.off(`change:${name}`, onControls);
    model.off("change:frame", onFrame);
    model.off("change:points", onPoints);
    model.off("change:show_test", onPoints);
    model.off("change:discretize", onDiscretize);
    model.off("change:class_count", onClasses);
    model.off("change:output_range", onClasses);
    model.off("change:link_view", onView);
    model.off("change:pinned", onPinned);
    model.off("change:pinned_label", onPinned);
  };
}

export default { render };
