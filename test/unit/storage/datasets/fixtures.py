# Writes the dataset files the importer tests read, in the formats of the real datasets, with
# numpy/scipy (python3). Each command also writes the expected arrays as raw little-endian C-order
# files (numpy's own tofile), so the tests compare our decoding with numpy's, not with themselves.
#
#   fixtures.py pickle OUT --protocol 0|1|2 --style py2|py3 --dtype f8|f4 --order C|F --endian <|>
#               [--trials 3 --channels 40 --samples 1000]
#   fixtures.py deap-mat OUT [--trials 3 --channels 40 --samples 1000] [--compress]
#   fixtures.py dreamer OUT [--subjects 2 --trials 3 --eeg-sec 2 --ecg-sec 2]
#   fixtures.py mat-misc OUT
#
# --style py2 imitates what Python 2 cPickle wrote for DEAP: byte strings (dict keys, the numpy
# data) as STRING / SHORT_BINSTRING / BINSTRING, and GLOBAL numpy.core.multiarray._reconstruct.
# --style py3 is what Python 3 writes at protocols 0-2: bytes as _codecs.encode(text, 'latin1').
import argparse
import io
import pickle
import sys

import numpy as np


class Py2StylePickler(pickle._Pickler):
    """The pure-Python pickler, writing bytes as Python 2 str and numpy globals under numpy.core."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes_py2(self, obj):
        if self.proto == 0:
            self.write(b'S' + repr(obj)[1:].encode('latin1') + b'\n')
        elif len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + len(obj).to_bytes(4, 'little') + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes_py2

    def save_str_py2(self, obj):
        # Python 2 str literals ('f8', '<', dict keys) are byte strings.
        self.save_bytes_py2(obj.encode('latin1'))

    dispatch[str] = save_str_py2

    def save_global(self, obj, name=None):
        if name is None:
            name = obj.__qualname__
        module = pickle.whichmodule(obj, name).replace('numpy._core', 'numpy.core')
        self.write(pickle.GLOBAL + module.encode() + b'\n' + name.encode() + b'\n')
        self.memoize(obj)


def deap_arrays(trials, channels, samples, dtype):
    rng = np.random.default_rng(7)
    data = (rng.standard_normal((trials, channels, samples)) * 20).astype(dtype)
    # Mark each (trial, channel) so a transposed or shifted read cannot pass.
    data[:, :, 0] = np.arange(trials)[:, None] * 100 + np.arange(channels)[None, :]
    labels = rng.uniform(1, 9, (trials, 4)).astype(dtype)
    return data, labels


def cmd_pickle(a):
    dt = np.dtype(a.endian + a.dtype)
    data, labels = deap_arrays(a.trials, a.channels, a.samples, dt)
    if a.order == 'F':
        data = np.asfortranarray(data)
        labels = np.asfortranarray(labels)
    obj = {b'labels': labels, b'data': data} if a.style == 'py2' else {'labels': labels, 'data': data}
    if a.extra:
        obj[b'extra' if a.style == 'py2' else 'extra'] = [np.float64(2.5), (1, -7, 3.25, None, True, False), 'text', 2**40]
    buf = io.BytesIO()
    if a.style == 'py2':
        Py2StylePickler(buf, protocol=a.protocol).dump(obj)
    else:
        pickle.dump(obj, buf, protocol=a.protocol)
    with open(a.out, 'wb') as f:
        f.write(buf.getvalue())
    np.ascontiguousarray(data).astype('<f8').tofile(a.out + '.data.f8')
    np.ascontiguousarray(labels).astype('<f8').tofile(a.out + '.labels.f8')


def cmd_deap_mat(a):
    import scipy.io as sio

    data, labels = deap_arrays(a.trials, a.channels, a.samples, np.float64)
    sio.savemat(a.out, {'data': data, 'labels': labels}, do_compression=a.compress)
    data.astype('<f8').tofile(a.out + '.data.f8')
    labels.astype('<f8').tofile(a.out + '.labels.f8')


def cmd_dreamer(a):
    import scipy.io as sio

    rng = np.random.default_rng(11)
    n_sub, n_tr = a.subjects, a.trials
    subj = np.empty((1, n_sub), dtype=object)
    raw = []
    for s in range(n_sub):
        eeg_b = np.empty((n_tr, 1), dtype=object)
        eeg_s = np.empty((n_tr, 1), dtype=object)
        ecg_b = np.empty((n_tr, 1), dtype=object)
        ecg_s = np.empty((n_tr, 1), dtype=object)
        for t in range(n_tr):
            nb = int(a.eeg_sec * 128)
            ns = int(a.eeg_sec * 128) + 16 * t  # stimuli differ in length
            eeg_b[t, 0] = rng.standard_normal((nb, 14)) * 10 + 4200
            eeg_s[t, 0] = rng.standard_normal((ns, 14)) * 10 + 4200
            eeg_s[t, 0][0, :] = s * 1000 + t * 100 + np.arange(14)
            ecg_b[t, 0] = rng.standard_normal((int(a.ecg_sec * 256), 2))
            ecg_s[t, 0] = rng.standard_normal((int(a.ecg_sec * 256) + 32 * t, 2))
            raw.extend([eeg_b[t, 0], eeg_s[t, 0], ecg_b[t, 0], ecg_s[t, 0]])
        val = rng.integers(1, 6, (n_tr, 1)).astype(np.float64)
        aro = rng.integers(1, 6, (n_tr, 1)).astype(np.float64)
        dom = rng.integers(1, 6, (n_tr, 1)).astype(np.float64)
        raw.extend([val, aro, dom])
        eeg = {'baseline': eeg_b, 'stimuli': eeg_s}
        ecg = {'baseline': ecg_b, 'stimuli': ecg_s}
        subj[0, s] = {'Age': str(20 + s), 'Gender': 'female' if s % 2 else 'male', 'EEG': eeg, 'ECG': ecg,
                      'ScoreValence': val, 'ScoreArousal': aro, 'ScoreDominance': dom}
    if a.struct_array:
        # Variant layout: Data as a 1 x n struct array instead of a cell of structs.
        fields = ['Age', 'Gender', 'EEG', 'ECG', 'ScoreValence', 'ScoreArousal', 'ScoreDominance']
        st = np.empty((1, n_sub), dtype=[(f, object) for f in fields])
        for s in range(n_sub):
            st[0, s] = tuple(subj[0, s][f] for f in fields)
        subj = st
    electrodes = np.empty((1, 14), dtype=object)
    for i, e in enumerate(['AF3', 'F7', 'F3', 'FC5', 'T7', 'P7', 'O1', 'O2', 'P8', 'T8', 'FC6', 'F4', 'F8', 'AF4']):
        electrodes[0, i] = e
    dreamer = {'Data': subj, 'EEG_SamplingRate': 128.0, 'ECG_SamplingRate': 256.0, 'EEG_Electrodes': electrodes,
               'noOfSubjects': float(n_sub), 'noOfVideoSequences': float(n_tr), 'Disclaimer': 'test file',
               'Provider': 'fixtures.py', 'Version': '1.0.2', 'Acknowledgement': 'none'}
    sio.savemat(a.out, {'DREAMER': dreamer}, do_compression=True)
    with open(a.out + '.raw.f8', 'wb') as f:
        for r in raw:
            np.ascontiguousarray(r).astype('<f8').tofile(f)


def cmd_mat_misc(a):
    import scipy.io as sio

    cell = np.empty((2, 1), dtype=object)
    cell[0, 0] = np.arange(6, dtype=np.int16).reshape(2, 3)
    cell[1, 0] = 'héllo'
    st = np.zeros((1, 2), dtype=[('a', object), ('bb', object)])
    st[0, 0] = (np.float32(1.5), 'x')
    st[0, 1] = (np.arange(4, dtype=np.uint8), np.array([[1.0, 2.0], [3.0, 4.0]]))
    cube = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    sio.savemat(a.out, {'cube': cube, 'i8': np.array([[-3, 4]], dtype=np.int8), 'u32': np.array([[7, 4000000000]], dtype=np.uint32),
                        'f32': np.array([[0.25, -1]], dtype=np.float32), 'c': cell, 's': st, 'txt': 'abc'},
                do_compression=a.compress)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    pk = sub.add_parser('pickle')
    pk.add_argument('out')
    pk.add_argument('--protocol', type=int, default=2)
    pk.add_argument('--style', choices=['py2', 'py3'], default='py2')
    pk.add_argument('--dtype', default='f8')
    pk.add_argument('--order', choices=['C', 'F'], default='C')
    pk.add_argument('--endian', choices=['<', '>'], default='<')
    pk.add_argument('--extra', action='store_true')
    for q in (pk,):
        q.add_argument('--trials', type=int, default=3)
        q.add_argument('--channels', type=int, default=40)
        q.add_argument('--samples', type=int, default=1000)
    dm = sub.add_parser('deap-mat')
    dm.add_argument('out')
    dm.add_argument('--trials', type=int, default=3)
    dm.add_argument('--channels', type=int, default=40)
    dm.add_argument('--samples', type=int, default=1000)
    dm.add_argument('--compress', action='store_true')
    dr = sub.add_parser('dreamer')
    dr.add_argument('out')
    dr.add_argument('--subjects', type=int, default=2)
    dr.add_argument('--trials', type=int, default=3)
    dr.add_argument('--eeg-sec', type=float, default=2)
    dr.add_argument('--ecg-sec', type=float, default=2)
    dr.add_argument('--struct-array', action='store_true')
    mm = sub.add_parser('mat-misc')
    mm.add_argument('out')
    mm.add_argument('--compress', action='store_true')
    a = p.parse_args()
    {'pickle': cmd_pickle, 'deap-mat': cmd_deap_mat, 'dreamer': cmd_dreamer, 'mat-misc': cmd_mat_misc}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
