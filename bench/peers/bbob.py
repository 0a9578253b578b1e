# The 24 noiseless BBOB functions (Hansen et al. 2009), a second implementation of bench/bbob.ts:
# bbob_value(instance, x) for an instance that bench/bbob.ts drew and sent as JSON (optimum,
# rotations, Gallagher peaks). Pure Python (math only), so it runs under either interpreter.
import math


def _tosz1(x):
    if x == 0:
        return 0.0
    h = math.log(abs(x))
    c1, c2 = (10.0, 7.9) if x > 0 else (5.5, 3.1)
    return math.copysign(1.0, x) * math.exp(h + 0.049 * (math.sin(c1 * h) + math.sin(c2 * h)))


def _tosz(x):
    return [_tosz1(v) for v in x]


def _tasy(x, beta):
    d = len(x)
    return [v ** (1 + beta * i / (d - 1) * math.sqrt(v)) if v > 0 else v for i, v in enumerate(x)]


def _lam(x, alpha):
    d = len(x)
    return [alpha ** (0.5 * i / (d - 1)) * v for i, v in enumerate(x)]


def _mul(m, x):
    d = len(x)
    return [sum(m[i * d + j] * x[j] for j in range(d)) for i in range(d)]


def _pen(x):
    return sum(max(0.0, abs(v) - 5) ** 2 for v in x)


def _sub(x, y):
    return [a - b for a, b in zip(x, y)]


def _sumsq(x):
    return sum(v * v for v in x)


def _rastrigin(z):
    return 10 * (len(z) - sum(math.cos(2 * math.pi * v) for v in z)) + _sumsq(z)


def _ellipsoid(z):
    d = len(z)
    return sum(10 ** (6 * i / (d - 1)) * v * v for i, v in enumerate(z))


def _rosen(z):
    return sum(100 * (z[i] ** 2 - z[i + 1]) ** 2 + (z[i] - 1) ** 2 for i in range(len(z) - 1))


def _schaffers(z):
    d = len(z)
    s = 0.0
    for i in range(d - 1):
        si = math.sqrt(z[i] ** 2 + z[i + 1] ** 2)
        s += math.sqrt(si) + math.sqrt(si) * math.sin(50 * si ** 0.2) ** 2
    return (s / (d - 1)) ** 2


_W_F0 = sum(0.5 ** k * math.cos(math.pi * 3 ** k) for k in range(12))


def _sign(v):
    return (v > 0) - (v < 0)


def bbob_value(inst, x):
    fid, d = inst["fid"], inst["dim"]
    R, Q, xopt = inst["R"], inst["Q"], inst["xopt"]
    c = max(1.0, math.sqrt(d) / 8)
    if fid == 1:
        return _sumsq(_sub(x, xopt))
    if fid == 2:
        return _ellipsoid(_tosz(_sub(x, xopt)))
    if fid == 3:
        return _rastrigin(_lam(_tasy(_tosz(_sub(x, xopt)), 0.2), 10))
    if fid == 4:
        z = []
        for i, v in enumerate(_tosz(_sub(x, xopt))):
            s = 10 ** (0.5 * i / (d - 1))
            z.append(10 * s * v if i % 2 == 0 and v > 0 else s * v)
        return _rastrigin(z) + 100 * _pen(x)
    if fid == 5:
        f = 0.0
        for i in range(d):
            s = _sign(xopt[i]) * 10 ** (i / (d - 1))
            z = x[i] if xopt[i] * x[i] < 25 else xopt[i]
            f += 5 * abs(s) - s * z
        return f
    if fid == 6:
        z = _mul(Q, _lam(_mul(R, _sub(x, xopt)), 10))
        s = sum((100 if v * xopt[i] > 0 else 1) * v * v for i, v in enumerate(z))
        return _tosz1(s) ** 0.9
    if fid == 7:
        zh = _lam(_mul(R, _sub(x, xopt)), 10)
        zt = [math.floor(0.5 + v) if abs(v) > 0.5 else math.floor(0.5 + 10 * v) / 10 for v in zh]
        z = _mul(Q, zt)
        e = sum(10 ** (2 * i / (d - 1)) * v * v for i, v in enumerate(z))
        return 0.1 * max(abs(zh[0]) / 1e4, e) + _pen(x)
    if fid == 8:
        return _rosen([c * v + 1 for v in _sub(x, xopt)])
    if fid == 9:
        return _rosen([c * v + 0.5 for v in _mul(R, x)])
    if fid == 10:
        return _ellipsoid(_tosz(_mul(R, _sub(x, xopt))))
    if fid == 11:
        z = _tosz(_mul(R, _sub(x, xopt)))
        return 1e6 * z[0] ** 2 + _sumsq(z[1:])
    if fid == 12:
        z = _mul(R, _tasy(_mul(R, _sub(x, xopt)), 0.5))
        return z[0] ** 2 + 1e6 * _sumsq(z[1:])
    if fid == 13:
        z = _mul(Q, _lam(_mul(R, _sub(x, xopt)), 10))
        return z[0] ** 2 + 100 * math.sqrt(_sumsq(z[1:]))
    if fid == 14:
        z = _mul(R, _sub(x, xopt))
        return math.sqrt(sum(abs(v) ** (2 + 4 * i / (d - 1)) for i, v in enumerate(z)))
    if fid == 15:
        return _rastrigin(_mul(R, _lam(_mul(Q, _tasy(_tosz(_mul(R, _sub(x, xopt))), 0.2)), 10)))
    if fid == 16:
        z = _mul(R, _lam(_mul(Q, _tosz(_mul(R, _sub(x, xopt)))), 0.01))
        s = sum(0.5 ** k * math.cos(2 * math.pi * 3 ** k * (v + 0.5)) for v in z for k in range(12))
        return 10 * (s / d - _W_F0) ** 3 + 10 / d * _pen(x)
    if fid in (17, 18):
        z = _lam(_mul(Q, _tasy(_mul(R, _sub(x, xopt)), 0.5)), 10 if fid == 17 else 1000)
        return _schaffers(z) + 10 * _pen(x)
    if fid == 19:
        z = [c * v + 0.5 for v in _mul(R, x)]
        s = 0.0
        for i in range(d - 1):
            si = 100 * (z[i] ** 2 - z[i + 1]) ** 2 + (z[i] - 1) ** 2
            s += si / 4000 - math.cos(si)
        return 10 * s / (d - 1) + 10
    if fid == 20:
        xh = [2 * _sign(xopt[i]) * v for i, v in enumerate(x)]
        zh = list(xh)
        for i in range(1, d):
            zh[i] = xh[i] + 0.25 * (xh[i - 1] - 2 * abs(xopt[i - 1]))
        z = [100 * (v + 2 * abs(xopt[i])) for i, v in enumerate(_lam([v - 2 * abs(xopt[i]) for i, v in enumerate(zh)], 10))]
        s = sum(v * math.sin(math.sqrt(abs(v))) for v in z)
        return -1 / (100 * d) * s + 4.189828872724339 + 100 * _pen([v / 100 for v in z])
    if fid in (21, 22):
        peaks = inst["peaks"]
        y, w, cd = peaks["y"], peaks["w"], peaks["c"]
        rx = _mul(R, x)
        best = -math.inf
        for p in range(len(w)):
            ry = _mul(R, y[p * d:(p + 1) * d])
            q = sum(cd[p * d + k] * (rx[k] - ry[k]) ** 2 for k in range(d))
            best = max(best, w[p] * math.exp(-1 / (2 * d) * q))
        return _tosz1(10 - best) ** 2 + _pen(x)
    if fid == 23:
        z = _mul(Q, _lam(_mul(R, _sub(x, xopt)), 100))
        prod = 1.0
        for i in range(d):
            s = 0.0
            for j in range(1, 33):
                t = 2 ** j * z[i]
                s += abs(t - _round_half_up(t)) / 2 ** j
            prod *= (1 + (i + 1) * s) ** (10 / d ** 1.2)
        return 10 / (d * d) * prod - 10 / (d * d) + _pen(x)
    if fid == 24:
        mu0 = 2.5
        s = 1 - 1 / (2 * math.sqrt(d + 20) - 8.2)
        mu1 = -math.sqrt((mu0 * mu0 - 1) / s)
        xh = [2 * _sign(xopt[i]) * v for i, v in enumerate(x)]
        z = _mul(Q, _lam(_mul(R, [v - mu0 for v in xh]), 100))
        a = sum((v - mu0) ** 2 for v in xh)
        b = d + s * sum((v - mu1) ** 2 for v in xh)
        return min(a, b) + 10 * (d - sum(math.cos(2 * math.pi * v) for v in z)) + 1e4 * _pen(x)
    raise ValueError(f"no BBOB function {fid}")


def _round_half_up(t):
    # JavaScript's Math.round (ties towards +infinity), not Python's round (ties to even).
    return math.floor(t + 0.5)
