"""The browser half of :func:`course_utils.deploy.camera_widget.camera_widget` (an anywidget front-end module).

Kept as strings here (not a ``.js`` file) so the package ships it without package data. The module captures the
camera with ``getUserMedia``, counts down, and sends the centre square of one frame, scaled to ``size`` pixels,
as RGBA bytes in a custom message ``{type: "frame"}``; an upload goes the same way. Camera failures are sent as
``{type: "camera", state}`` and the kernel answers with the reason. Every answer arrives as the ``result`` trait.
"""

ESM = r"""
const WORDS = ["rock…", "paper…", "scissors…", "shoot!"];

function render({ model, el }) {
  const size = model.get("size");
  const root = document.createElement("div");
  root.className = "course-camera";
  root.innerHTML = `
    <div class="course-camera-stage">
      <video playsinline muted></video><div class="course-camera-count"></div>
    </div>
    <div class="course-camera-buttons">
      <button class="start">Start the camera</button>
      <button class="play" disabled>Play a round</button>
      <button class="generated">Generated hand</button>
      <label>Upload <input class="upload" type="file" accept="image/*"></label>
    </div>
    <div class="course-camera-result">
      <img class="crop" alt="what the model saw" width="96" height="96">
      <div><div class="message">Start the camera, or play a generated hand.</div>
           <div class="score"></div><ol class="history"></ol></div>
    </div>`;
  el.appendChild(root);
  const $ = (s) => root.querySelector(s);
  const capture = model.get("mode") === "capture";
  if (capture) {   // teach it your hand: a gesture, a count, progress; each frame is saved by the kernel
    const classes = model.get("classes");
    $(".course-camera-buttons").innerHTML = `
      <button class="start">Start the camera</button>
      <select class="label">${classes.map((c) => `<option value="${c}">${c}</option>`).join("")}</select>
      <input class="count" type="number" min="1" max="500" value="${model.get("count")}" style="width:4rem">
      <button class="record" disabled>Record</button>
      <label>Upload <input class="upload" type="file" accept="image/*" multiple></label>
      <progress class="progress" max="${model.get("count")}" value="0"></progress>`;
    $(".message").textContent = "Start the camera, pick a gesture, show it, and press Record.";
    root.dataset.recording = "idle";
  }
  const video = $("video"), canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null, shot = 0, sentAt = 0;

  const send = (content, buffers) => model.send(content, undefined, buffers);
  const cameraProblem = (state, detail = "") => {
    stop();
    root.dataset.camera = state;
    send({ type: "camera", state, detail, shot: ++shot });
  };
  const button = () => $(capture ? ".record" : ".play");
  const stop = () => { if (stream) stream.getTracks().forEach((t) => t.stop()); stream = null; button().disabled = true; };

  function sendSquare(source, width, height, kind) {
    const side = Math.min(width, height);
    ctx.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, size, size);
    const rgba = ctx.getImageData(0, 0, size, size).data;
    sentAt = performance.now();
    const content = capture ? { type: "capture", label: $(".label").value, target: parseInt($(".progress").max, 10) } : { type: "frame" };
    send({ ...content, source: kind, shot: ++shot }, [rgba.buffer]);
  }

  async function record() {
    const n = Math.max(1, Math.min(500, parseInt($(".count").value, 10) || model.get("count")));
    $(".record").disabled = true;
    root.dataset.recording = "recording";
    $(".progress").max = n;
    $(".progress").value = 0;
    for (let i = 0; i < n && stream; i++) {
      if (video.videoWidth) sendSquare(video, video.videoWidth, video.videoHeight, "camera");
      $(".progress").value = i + 1;
      $(".course-camera-count").textContent = `${i + 1}/${n}`;
      await new Promise((r) => setTimeout(r, model.get("interval_ms")));
    }
    $(".course-camera-count").textContent = "";
    root.dataset.recording = "done";
    $(".record").disabled = !stream;
  }

  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) return cameraProblem("insecure");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    } catch (err) {
      const state = { NotAllowedError: "denied", SecurityError: "denied", NotFoundError: "no-device",
                      OverconstrainedError: "no-device", NotReadableError: "busy" }[err.name] ?? "error";
      return cameraProblem(state, `${err.name}: ${err.message}`);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return cameraProblem("no-device");
    track.addEventListener("ended", () => cameraProblem("ended"));
    root.cameraTrack = track;   // for tests: what a browser fires when a camera goes away
    video.srcObject = stream;
    await video.play();
    root.dataset.camera = "running";
    button().disabled = false;
  }

  async function play() {
    $(".play").disabled = true;
    for (const word of WORDS) {
      $(".course-camera-count").textContent = word;
      await new Promise((r) => setTimeout(r, model.get("countdown_ms")));
    }
    $(".course-camera-count").textContent = "";
    if (stream && video.videoWidth) sendSquare(video, video.videoWidth, video.videoHeight, "camera");
    $(".play").disabled = !stream;
  }

  function upload(file) {
    const img = new Image();
    img.onload = () => sendSquare(img, img.naturalWidth, img.naturalHeight, "upload");
    img.onerror = () => { $(".message").textContent = "⚠️ that file is not an image the browser can read (JPEG or PNG expected)"; };
    img.src = URL.createObjectURL(file);
  }

  function show() {
    const r = model.get("result") || {};
    if (!r.message) return;
    const roundTrip = sentAt ? ` · frame to answer ${(performance.now() - sentAt).toFixed(0)} ms` : "";
    $(".message").textContent = r.message + (r.ok && sentAt && !capture ? roundTrip : "");
    if (capture) {
      root.dataset.counts = JSON.stringify(r.counts || {});
      $(".score").textContent = Object.entries(r.counts || {}).map(([c, k]) => `${c}: ${k}`).join(" · ");
      sentAt = 0;
      return;
    }
    $(".score").textContent = r.score ?? "";
    if (r.crop) $(".crop").src = r.crop;
    if (r.history) $(".history").innerHTML = r.history.map((h) => `<li>${h}</li>`).join("");
    root.dataset.rounds = r.rounds ?? 0;
    sentAt = 0;
  }

  $(".start").addEventListener("click", start);
  if (capture) {
    $(".record").addEventListener("click", record);
    $(".upload").addEventListener("change", (e) => [...e.target.files].forEach(upload));
  } else {
    $(".play").addEventListener("click", play);
    $(".generated").addEventListener("click", () => send({ type: "generated", shot: ++shot }));
    $(".upload").addEventListener("change", (e) => e.target.files[0] && upload(e.target.files[0]));
  }
  model.on("change:result", show);
  show();
  return () => stop();
}

export default { render };
"""

CSS = """
.course-camera { font-family: system-ui, sans-serif; max-width: 36rem; }
.course-camera-stage { position: relative; width: 192px; height: 192px; background: #ddd; border-radius: 6px; overflow: hidden; }
.course-camera-stage video { width: 192px; height: 192px; object-fit: cover; transform: scaleX(-1); }
.course-camera-count { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  font-size: 1.8rem; font-weight: bold; color: white; text-shadow: 0 0 5px black; }
.course-camera-buttons { display: flex; flex-wrap: wrap; gap: .4rem; margin: .5rem 0; align-items: center; }
.course-camera-result { display: flex; gap: .8rem; align-items: flex-start; }
.course-camera-result img { image-rendering: pixelated; border: 1px solid #999; }
"""
