// TensorFlow Playground's screen for dlcourse's PlaygroundWidget (an anywidget ES module).
// The browser only draws and forwards the controls: Python trains and sends frames.

const BLUE = [0, 114, 178]; // PALETTE[0], label -1 / class 0
const ORANGE = [230, 159, 0]; // PALETTE[1], label +1 / class 1
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const FEATURE_LABELS = {
  "x1": "X\u2081", "x2": "X\u2082", "x1^2": "X\u2081\u00b2", "x2^2": "X\u2082\u00b2",
  "x1*x2": "X\u2081X\u2082", "sin(x1)": "sin(X\u2081)", "sin(x2)": "sin(X\u2082)",
};
const FEATURE_FN = {
  "x1": (a, b) => a, "x2": (a, b) => b, "x1^2": (a, b) => a * a, "x2^2": (a, b) => b * b,
  "x1*x2": (a, b) => a * b, "sin(x1)": (a, b) => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b),
};
const DATASETS = {
  classification: [["circle", "Circle"], ["xor", "Exclusive or"], ["gauss", "Gaussian"],
    ["spiral", "Spiral"]],
  regression: [["plane", "Plane"], ["multi-gaussian", "Multi Gaussian"]],
};
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const ACTIVATIONS = [["relu", "ReLU"], ["tanh", "Tanh"], ["sigmoid", "Sigmoid"],
  ["linear", "Linear"]];
const SPEEDS = [1, 5, 20, 100];
const NODE = 32; // node side, px
const ROW = 42; // vertical distance between nodes, px
const NET_WIDTH = 470;
const NET_TOP = 62;
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

function paint(canvas, values, res, offset, discretize, strength = 1) {
  if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(res, res);
  const px = image.data;
  for (let k = 0; k < res * res; k++) {
    let v = values[offset + k];
    if (discretize) v = v >= 0 ? 1 : -1;
    const i = lutIndex(v * strength);
    px[4 * k] = LUT[3 * i]; px[4 * k + 1] = LUT[3 * i + 1]; px[4 * k + 2] = LUT[3 * i + 2];
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

function select(options, onchange) {
  const s = h("select", { onchange: () => onchange(s.value) });
  for (const [value, label] of options) s.append(h("option", { value: String(value) }, label));
  return s;
}

function field(label, control) {
  return h("label", { class: "dlpg-field" }, h("span", { class: "dlpg-label" }, label), control);
}

function epochText(e) {
  const s = String(e).padStart(6, "0");
  return `${s.slice(0, -3)},${s.slice(-3)}`;
}

function lossText(v) {
  return v === null || v === undefined || !(v === v) ? "\u2013" : v.toFixed(3);
}

// ------------------------------------------------------------------ the view

function render({ model, el }) {
  const set = (name, value) => { model.set(name, value); model.save_changes(); };
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
  const activation = select(ACTIVATIONS, (v) => set("activation", v));
  const reg = select([["none", "None"], ["L1", "L1"], ["L2", "L2"]],
    (v) => set("regularization", v));
  const regRate = select(REG_RATES.map((r) => [r, String(r)]), (v) => set("reg_rate", Number(v)));
  const problem = select([["classification", "Classification"], ["regression", "Regression"]],
    (v) => set("problem", v));
  const top = h("div", { class: "dlpg-top" },
    h("div", { class: "dlpg-player" }, resetButton, playButton, stepButton),
    h("div", { class: "dlpg-field dlpg-epoch" }, h("span", { class: "dlpg-label" }, "Epoch"),
      epochValue),
    field("Epochs per frame", speed), field("Learning rate", lr),
    field("Activation", activation), field("Regularization", reg),
    field("Regularization rate", regRate), field("Problem type", problem));
  const errorBox = h("div", { class: "dlpg-error" });

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
  const data = h("div", { class: "dlpg-col dlpg-data" },
    h("h3", {}, "Data"),
    h("div", { class: "dlpg-label" }, "Which dataset do you want to use?"), datasetBox,
    sliderRow("Ratio of training to test data", ratio),
    sliderRow("Noise", noise),
    sliderRow("Batch size", batch),
    h("button", { class: "dlpg-button", onclick: () => model.send({ action: "regenerate" }) },
      "Regenerate"));

  // Middle: the network.
  const netArea = h("div", { class: "dlpg-netarea" });
  const layersLabel = h("span", { class: "dlpg-layers-label" });
  const net = h("div", { class: "dlpg-col dlpg-net" },
    h("div", { class: "dlpg-net-header" },
      h("button", { class: "dlpg-round dlpg-small", title: "Add a hidden layer",
        onclick: () => changeLayers(1) }, "+"),
      h("button", { class: "dlpg-round dlpg-small", title: "Remove the last hidden layer",
        onclick: () => changeLayers(-1) }, "\u2212"),
      layersLabel),
    netArea);
  const tooltip = h("div", { class: "dlpg-tooltip" });
  const bigCanvas = h("canvas", { class: "dlpg-big" });
  const tooltipTitle = h("div", { class: "dlpg-tooltip-title" });
  tooltip.append(tooltipTitle, bigCanvas);

  // Right: the output.
  const testLoss = h("span", { class: "dlpg-loss-value" });
  const trainLoss = h("span", { class: "dlpg-loss-value" });
  const curve = h("canvas", { class: "dlpg-curve" });
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
  const colorbar = h("div", { class: "dlpg-colorbar" }, h("span", {}, "Output \u22121"),
    h("div", { class: "dlpg-gradient",
      style: `background:linear-gradient(to right,${cssColor(-HEAT_STRENGTH)},#fff,` +
        `${cssColor(HEAT_STRENGTH)})` }), h("span", {}, "1"));
  const out = h("div", { class: "dlpg-col dlpg-out" },
    h("h3", {}, "Output"),
    h("div", { class: "dlpg-loss dlpg-loss-test" }, "Test loss ", testLoss),
    h("div", { class: "dlpg-loss dlpg-loss-train" }, "Training loss ", trainLoss),
    curve, heatBox, colorbar,
    h("label", { class: "dlpg-check" }, showTest, " Show test data"),
    h("label", { class: "dlpg-check" }, discretize, " Discretize output"));

  root.append(top, errorBox, h("div", { class: "dlpg-main" }, data, net, out), tooltip);

  // ---------------------------------------------------------------- network drawing
  let nodes = []; // per column: [{canvas, grid (Float32Array|null), title, el}]
  let links = []; // [{path, layer, row, col}]
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

  function buildNetwork() {
    const hidden = model.get("hidden");
    const features = model.get("features");
    const nCols = hidden.length + 2;
    const colX = (c) => 62 + (c * (NET_WIDTH - 62 - NODE - 12)) / (nCols - 1);
    const rows = Math.max(7, ...hidden);
    const height = NET_TOP + rows * ROW + 10;
    netArea.replaceChildren();
    netArea.style.width = `${NET_WIDTH}px`;
    netArea.style.height = `${height}px`;
    layersLabel.textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;
    const linkLayer = svg("svg", { width: NET_WIDTH, height, class: "dlpg-links" });
    netArea.append(linkLayer);
    nodes = []; links = [];
    const pos = []; // per column, per row index (of the network's layer), [x, y]

    // Column titles and +/- buttons.
    netArea.append(h("div", { class: "dlpg-coltitle", style: `left:${colX(0) - 40}px` },
      "Features"));
    hidden.forEach((n, l) => {
      const x = colX(l + 1);
      netArea.append(h("div", { class: "dlpg-colctl", style: `left:${x + NODE / 2 - 30}px` },
        h("div", {},
          h("button", { class: "dlpg-round dlpg-small", title: "Add a neuron",
            onclick: () => changeNeurons(l, 1) }, "+"),
          h("button", { class: "dlpg-round dlpg-small", title: "Remove a neuron",
            onclick: () => changeNeurons(l, -1) }, "\u2212")),
        h("div", { class: "dlpg-label" }, `${n} neuron${n === 1 ? "" : "s"}`)));
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
      const entry = { canvas, grid, title, el: node };
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
      paint(entry.canvas, entry.grid, 20, 0, false);
      netArea.append(h("div", { class: `dlpg-flabel${active ? "" : " dlpg-off"}`,
        style: `left:0;width:${x - 6}px;top:${y + NODE / 2 - 8}px` }, FEATURE_LABELS[name]));
      inputCol.push(entry);
      inputPos[name] = [x, y];
    });
    nodes.push(inputCol);
    pos.push(features.map((f) => inputPos[f]));
    [...hidden, 1].forEach((n, l) => {
      const col = []; const colPos = [];
      for (let r = 0; r < n; r++) {
        const last = l === hidden.length;
        const { entry, x, y } = addNode(l + 1, r,
          last ? "Output" : `Layer ${l + 1}, neuron ${r + 1}`, null, last ? "dlpg-output" : "");
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
          const path = svg("path", {
            d: `M${sx},${sy} C${mx},${sy} ${mx},${ty} ${x2},${ty}`, class: "dlpg-link" });
          const link = { path, layer: l, row, col };
          path.addEventListener("mouseenter", () => {
            const w = model.get("weights")?.[l]?.[row]?.[col];
            tooltipTitle.textContent = `Weight ${w === undefined ? "" : w.toFixed(3)}`;
            bigCanvas.style.display = "none";
            placeTooltip(x2 - 60, ty + 10);
          });
          path.addEventListener("mouseleave", () => {
            tooltip.style.display = "none"; bigCanvas.style.display = "";
          });
          linkLayer.append(path);
          links.push(link);
        });
      });
    }
  }

  function placeTooltip(x, y) {
    // Client rectangles are zoomed (the standalone page zooms the widget), CSS offsets are not.
    const zoom = root.currentCSSZoom || 1;
    const area = netArea.getBoundingClientRect();
    const base = root.getBoundingClientRect();
    tooltip.style.left = `${(area.left - base.left) / zoom + x}px`;
    tooltip.style.top = `${(area.top - base.top) / zoom + y}px`;
    tooltip.style.display = "block";
  }
  function showTooltip(node) {
    tooltipTitle.textContent = hover.title;
    bigCanvas.style.display = "";
    drawHover();
    placeTooltip(node.offsetLeft + NODE + 8, node.offsetTop - 20);
  }
  function drawHover() {
    if (!hover || !hover.grid) return;
    const res = Math.round(Math.sqrt(hover.grid.length));
    paint(bigCanvas, hover.grid, res, 0, false);
  }

  function updateNetwork() {
    const layout = model.get("layer_sizes");
    const res = model.get("thumb_resolution");
    const grids = floats(model.get("neuron_grids"));
    let offset = 0;
    for (let l = 1; l < nodes.length; l++) {
      nodes[l].forEach((entry) => {
        if (offset + res * res > grids.length) return;
        entry.grid = grids.subarray(offset, offset + res * res);
        paint(entry.canvas, grids, res, offset, false);
        offset += res * res;
      });
    }
    const weights = model.get("weights") || [];
    for (const link of links) {
      const w = weights[link.layer]?.[link.row]?.[link.col];
      if (w === undefined) continue;
      const a = Math.abs(w);
      const style = link.path.style;
      style.strokeWidth = `${Math.min(1 + 2.2 * a, 9).toFixed(2)}px`;
      style.stroke = w < 0 ? "rgb(0,114,178)" : "rgb(230,159,0)";
      style.strokeOpacity = Math.min(0.25 + 0.75 * a, 1).toFixed(2);
    }
    drawHover();
    return layout;
  }

  // ---------------------------------------------------------------- output drawing
  const dpr = window.devicePixelRatio || 1;
  dots.width = HEAT * dpr; dots.height = HEAT * dpr;
  const CURVE_W = HEAT + 30; const CURVE_H = 70;
  curve.width = CURVE_W * dpr; curve.height = CURVE_H * dpr;
  curve.style.width = `${CURVE_W}px`; curve.style.height = `${CURVE_H}px`;

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
        ctx.fillStyle = cssColor(p[k + 2]);
        ctx.fill();
        ctx.lineWidth = isTest ? 1.2 : 1;
        ctx.strokeStyle = isTest ? "#000" : "#fff";
        ctx.stroke();
      }
    }
  }

  function drawCurve() {
    const series = floats(model.get("history"));
    const n = series.length / 3;
    const ctx = curve.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, CURVE_W, CURVE_H);
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(28, 4); ctx.lineTo(28, CURVE_H - 14);
    ctx.lineTo(CURVE_W - 2, CURVE_H - 14); ctx.stroke();
    if (n < 1) return;
    const epochs = series.subarray(0, n);
    let top = 0;
    for (let k = n; k < 3 * n; k++) if (Number.isFinite(series[k])) top = Math.max(top, series[k]);
    top = top || 1;
    const last = epochs[n - 1] || 1;
    const px = (e) => 28 + (e / last) * (CURVE_W - 32);
    const py = (v) => CURVE_H - 14 - (Math.min(v, top) / top) * (CURVE_H - 20);
    ctx.font = "10px sans-serif"; ctx.fillStyle = "#555";
    ctx.textAlign = "right"; ctx.fillText(top.toFixed(2), 26, 10); ctx.fillText("0", 26, CURVE_H - 12);
    ctx.textAlign = "left"; ctx.fillText("0", 26, CURVE_H - 2);
    ctx.textAlign = "right"; ctx.fillText(`epoch ${Math.round(last)}`, CURVE_W - 2, CURVE_H - 2);
    [[2, "#000", 1.6], [1, "#999", 1.6]].forEach(([row, color, width]) => {
      ctx.strokeStyle = color; ctx.lineWidth = width; ctx.beginPath();
      for (let k = 0; k < n; k++) {
        const v = Number.isFinite(series[row * n + k]) ? series[row * n + k] : top;
        if (k === 0) ctx.moveTo(px(epochs[k]), py(v)); else ctx.lineTo(px(epochs[k]), py(v));
      }
      ctx.stroke();
    });
  }

  function drawOutput() {
    const res = model.get("grid_resolution");
    const grid = floats(model.get("output_grid"));
    if (grid.length === res * res) paint(heat, grid, res, 0, model.get("discretize"), HEAT_STRENGTH);
  }

  // ---------------------------------------------------------------- syncing
  function syncControls() {
    playButton.replaceChildren(icon(model.get("playing") ? "pause" : "play"));
    playButton.setAttribute("aria-label", model.get("playing") ? "Pause" : "Play");
    playButton.classList.toggle("dlpg-playing", model.get("playing"));
    speed.value = String(model.get("epochs_per_frame"));
    lr.value = String(model.get("learning_rate"));
    activation.value = model.get("activation");
    reg.value = model.get("regularization");
    regRate.value = String(model.get("reg_rate"));
    problem.value = model.get("problem");
    ratio.sync(); noise.sync(); batch.sync();
    showTest.checked = model.get("show_test");
    discretize.checked = model.get("discretize");
    errorBox.textContent = model.get("error");
    errorBox.style.display = model.get("error") ? "block" : "none";
    datasetBox.replaceChildren(...(DATASETS[model.get("problem")] || []).map(([value, label]) =>
      h("button", { class: `dlpg-dataset${value === model.get("dataset") ? " dlpg-selected" : ""}`,
        onclick: () => set("dataset", value) }, label)));
  }

  let scheduled = false;
  function drawFrame() {
    scheduled = false;
    const key = JSON.stringify([model.get("hidden"), model.get("features"), model.get("layer_sizes")]);
    if (key !== structure) { structure = key; buildNetwork(); }
    epochValue.textContent = epochText(model.get("epoch"));
    testLoss.textContent = lossText(model.get("test_loss"));
    trainLoss.textContent = lossText(model.get("train_loss"));
    updateNetwork();
    drawOutput();
    drawCurve();
    root.dataset.frames = String(Number(root.dataset.frames) + 1);
    root.dataset.epoch = String(model.get("epoch"));
    root.dataset.frame = String(model.get("frame"));
  }
  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(drawFrame); }
  }

  const controls = ["playing", "epochs_per_frame", "learning_rate", "activation", "regularization",
    "reg_rate", "problem", "dataset", "train_ratio", "noise", "batch_size", "show_test",
    "discretize", "error"];
  const onControls = () => syncControls();
  const onFrame = () => schedule();
  const onPoints = () => drawPoints();
  const onDiscretize = () => drawOutput();
  for (const name of controls) model.on(`change:${name}`, onControls);
  model.on("change:frame", onFrame);
  model.on("change:points", onPoints);
  model.on("change:show_test", onPoints);
  model.on("change:discretize", onDiscretize);

  syncControls();
  drawFrame();
  drawPoints();
  return () => {
    for (const name of controls) model.off(`change:${name}`, onControls);
    model.off("change:frame", onFrame);
    model.off("change:points", onPoints);
    model.off("change:show_test", onPoints);
    model.off("change:discretize", onDiscretize);
  };
}

export default { render };
