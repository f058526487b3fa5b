// The page of `make web`: lesson 08's classifier in onnxruntime-web (WebAssembly), a camera or a photo as input,
// a "rock, paper, scissors, shoot!" countdown, and the predicting opponent of opponent.js.
// window.game is the page's test interface (tests/test_web.py): ready, logits(), frames, cameraState.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  const video = $("video"), still = $("still"), crop = $("crop");
  const cropCtx = crop.getContext("2d", {willReadFrequently: true});
  const MESSAGES = {
    insecure: "The camera needs a secure page: open it as http://localhost:… on this computer, or over HTTPS " +
              "(a phone on the same network needs HTTPS). Meanwhile, upload a photo or use a sample hand.",
    denied: "Camera permission was denied. Allow the camera in the browser's site settings and press " +
            "“Start the camera” again, or upload a photo or use a sample hand.",
    "no-device": "No camera was found on this device. Upload a photo or use a sample hand instead.",
    busy: "The camera is in use by another program. Close it and try again, or upload a photo or use a sample hand.",
    ended: "The camera stopped (unplugged, switched off, or taken by another program). " +
           "Press “Start the camera” to try again, or go on with a photo or a sample hand.",
  };
  const api = window.game = {frames: [], maxFrames: 240, cameraState: "off", rounds: [], error: null};
  let meta, session, size, stream = null, running = false, busy = false, hasInput = false;
  let latencies = [], stamps = [], sampleIndex = 0;
  const opponent = new Opponent();
  const score = {player: 0, computer: 0, tie: 0};

  async function load() {
    meta = await (await fetch("model.json")).json();
    size = meta.size;
    crop.width = crop.height = size;
    const bytes = await (await fetch(meta.model)).arrayBuffer();
    // threads need a cross-origin isolated page (SharedArrayBuffer); `python -m http.server` is not one
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    ort.env.wasm.wasmPaths = new URL("./", location.href).href;   // the runtime sits next to the page
    session = await ort.InferenceSession.create(bytes, {executionProviders: ["wasm"], graphOptimizationLevel: "all"});
    api.modelBytes = bytes.byteLength;
    api.threads = ort.env.wasm.numThreads;
    $("model-size").textContent = `${(bytes.byteLength / 1024).toFixed(0)} KB (${meta.model})`;
    $("backend").textContent = `onnxruntime-web ${ort.env.versions?.web ?? ""} WebAssembly SIMD, ` +
                               `${api.threads} thread${api.threads > 1 ? "s" : ""}`;
    $("status").textContent = `Model loaded: ${meta.classes.join(" / ")} from ${size}×${size} pixels.`;
    $("play").disabled = false;
  }

  // One image (float32 NCHW, values 0..255) -> logits. The file's batch axis is 1: one call per image.
  async function infer(x) {
    const input = new ort.Tensor("float32", x, [1, 3, size, size]);
    const out = await session.run({[session.inputNames[0]]: input});
    return out[session.outputNames[0]].data;
  }

  // The test interface: `flat` holds n images, NCHW, row-major; returns n arrays of logits.
  api.logits = async (flat, n) => {
    const per = 3 * size * size, all = [];
    for (let i = 0; i < n; i++) all.push(Array.from(await infer(Float32Array.from(flat.slice(i * per, (i + 1) * per)))));
    return all;
  };
  api.timeInference = async (repeat) => {   // make bench: batch-1 calls on one fixed image, in ms
    const x = new Float32Array(3 * size * size).fill(128), times = [];
    for (let i = 0; i < repeat; i++) { const t = performance.now(); await infer(x); times.push(performance.now() - t); }
    return times;
  };

  const softmax = z => { const m = Math.max(...z), e = z.map(v => Math.exp(v - m)), s = e.reduce((a, b) => a + b);
                         return e.map(v => v / s); };

  // What the model sees (the crop canvas) -> class, probabilities, latency; shown, and returned.
  async function classifyCrop() {
    const rgba = cropCtx.getImageData(0, 0, size, size).data, n = size * size;
    const x = new Float32Array(3 * n), rgb = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) {
      x[c * n + i] = rgba[4 * i + c]; rgb[3 * i + c] = rgba[4 * i + c];
    }
    const t0 = performance.now();
    const logits = Array.from(await infer(x));
    const ms = performance.now() - t0;
    const p = softmax(logits), k = p.indexOf(Math.max(...p));
    latencies.push(ms); if (latencies.length > 30) latencies.shift();
    const sorted = [...latencies].sort((a, b) => a - b);
    $("latency").textContent = `${ms.toFixed(1)} ms (median of the last ${sorted.length}: ` +
                               `${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms)`;
    $("label").textContent = meta.classes[k];
    $("confidence").textContent = `${(100 * p[k]).toFixed(0)}% sure`;
    $("bars").innerHTML = meta.classes.map((name, j) =>
      `<li><span style="width:5rem">${name}</span><span class="bar" style="width:${(8 * p[j]).toFixed(2)}rem"></span>` +
      `${(100 * p[j]).toFixed(0)}%</li>`).join("");
    hasInput = true;
    return {rgb, logits, probabilities: p, label: k, ms};
  }

  // --- the camera -----------------------------------------------------------------------------------------
  function cameraProblem(kind, detail = "") {
    api.cameraState = kind;
    stopCamera();
    const box = $("camera-message");
    box.textContent = MESSAGES[kind] ?? `The camera could not start (${detail}). Upload a photo or use a sample hand.`;
    box.hidden = false;
    box.dataset.kind = kind;
  }

  async function startCamera() {
    $("camera-message").hidden = true;
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) return cameraProblem("insecure");
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "user"}, audio: false});
    } catch (err) {
      const kind = {NotAllowedError: "denied", SecurityError: "denied", NotFoundError: "no-device",
                    OverconstrainedError: "no-device", NotReadableError: "busy"}[err.name] ?? "error";
      return cameraProblem(kind, `${err.name}: ${err.message}`);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return cameraProblem("no-device");
    track.addEventListener("ended", () => cameraProblem("ended"));   // unplugged, revoked, taken away
    api.track = track;
    video.srcObject = stream;
    still.hidden = true; video.hidden = false;
    await video.play();
    api.cameraState = "running";
    running = true;
    nextFrame();
  }

  function stopCamera() {
    running = false;
    if (stream) stream.getTracks().forEach(t => t.stop());
    stream = null;
  }

  // One classification per new video frame (requestVideoFrameCallback), skipped while the last one runs.
  function nextFrame() {
    if (!running) return;
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onFrame);
    else requestAnimationFrame(onFrame);
  }

  async function onFrame() {
    if (!running) return;
    if (!busy && video.videoWidth > 0) {
      busy = true;
      const t0 = performance.now();
      const side = Math.min(video.videoWidth, video.videoHeight);   // the centre square, scaled to the input
      cropCtx.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side,
                        0, 0, size, size);
      try {
        const r = await classifyCrop();
        r.total_ms = performance.now() - t0;   // frame to decision: crop, copy, inference, display
        stamps.push(performance.now()); stamps = stamps.filter(t => t > performance.now() - 1000);
        $("fps").textContent = `${stamps.length} frames/s`;
        if (api.frames.length < api.maxFrames)
          api.frames.push({rgb: Array.from(r.rgb), logits: r.logits, label: r.label, ms: r.ms, total_ms: r.total_ms,
                           width: video.videoWidth, height: video.videoHeight});
      } catch (err) {
        api.error = String(err); $("status").textContent = `Inference failed: ${err}`;
      } finally { busy = false; }
    }
    nextFrame();
  }

  // --- photos and sample hands (the fallback) ----------------------------------------------------------------
  function showImage(img) {
    const side = Math.min(img.naturalWidth, img.naturalHeight);
    cropCtx.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, 0, 0, size, size);
    still.src = img.src; still.hidden = false; video.hidden = true;
    return classifyCrop();
  }

  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("that file is not an image the browser can read (JPEG or PNG expected)"));
      img.src = src;
    });
  }

  async function useUpload(file) {
    stopCamera();
    try { await showImage(await loadImage(URL.createObjectURL(file))); $("camera-message").hidden = true; }
    catch (err) { const box = $("camera-message"); box.textContent = String(err.message); box.hidden = false; }
  }

  async function useSample() {
    stopCamera();
    const sample = meta.samples[sampleIndex++ % meta.samples.length];
    await showImage(await loadImage(sample.file));
    $("status").textContent = `A generated ${sample.label} hand from the course's test set.`;
  }

  // --- a round ---------------------------------------------------------------------------------------------
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  async function playRound(stepMs = 500) {
    $("play").disabled = true;
    const computer = opponent.move();   // decided before the player shows a hand
    for (const word of ["rock…", "paper…", "scissors…", "shoot!"]) { $("countdown").textContent = word; await sleep(stepMs); }
    $("countdown").textContent = "";
    if (!running && !hasInput) await useSample();   // nothing to look at yet: a sample hand, said so
    const r = running ? api.frames.at(-1) ?? await classifyCrop() : await classifyCrop();
    const outcome = Opponent.outcome(r.label, computer);
    score[outcome] += 1;
    opponent.observe(r.label, computer);
    const player = meta.classes[r.label], theirs = meta.classes[computer];
    const verdict = {player: "you win", computer: "the computer wins", tie: "a tie"}[outcome];
    $("result").textContent = `You show ${player}; the computer plays ${theirs}: ${verdict}.`;
    $("score").textContent = `you ${score.player} · computer ${score.computer} · ties ${score.tie}`;
    const li = document.createElement("li");
    li.textContent = `${player} vs ${theirs}: ${verdict} (${r.ms.toFixed(1)} ms)`;
    $("history").prepend(li);
    api.rounds.push({player, computer: theirs, outcome});
    $("play").disabled = false;
    return api.rounds.at(-1);
  }
  api.playRound = playRound;

  $("start-camera").addEventListener("click", startCamera);
  $("play").addEventListener("click", () => playRound());
  $("sample").addEventListener("click", useSample);
  $("upload").addEventListener("change", e => e.target.files[0] && useUpload(e.target.files[0]));
  api.ready = load().catch(err => {
    api.error = String(err);
    $("status").textContent = `The model did not load: ${err}. Serve this folder over HTTP ` +
                              "(python -m http.server), not as a file:// page.";
    throw err;
  });
})();
