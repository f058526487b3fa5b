"""The course's data: bundled photos, generated hand poses, folders of images, verified downloads.

* :mod:`.bundled`  images that ship with scikit-image and OpenCV (never a download);
* :mod:`.handpose` the procedural rock/paper/scissors generator (:mod:`.handdraw` draws);
* :mod:`.folders`  any class-per-folder image directory, into arrays or framework datasets
  (:mod:`.reading` reads one image file);
* :mod:`.download` the one downloader (cache, sha256, safe extraction), reading
  ``registry.json`` which ships inside this package; :mod:`.transfer` (HTTP with deadlines),
  :mod:`.extract` (safe extraction) and :mod:`.scratch` (temporaries, locks, clean-up).

Depends only on the plumbing modules (``modes``); nothing here imports TensorFlow or PyTorch
at import time.
"""
