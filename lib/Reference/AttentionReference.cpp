//===- AttentionReference.cpp - Naive attention, the test oracle ------------===//

#include "flash/Reference/AttentionReference.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace flash::reference {

std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> ctr,
                                      std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += 0x9E3779B9u;
      key[1] += 0xBB67AE85u;
    }
    uint64_t product0 = uint64_t{0xD2511F53u} * ctr[0];
    uint64_t product1 = uint64_t{0xCD9E8D57u} * ctr[2];
    auto hi0 = static_cast<uint32_t>(product0 >> 32);
    auto lo0 = static_cast<uint32_t>(product0);
    auto hi1 = static_cast<uint32_t>(product1 >> 32);
    auto lo1 = static_cast<uint32_t>(product1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

int64_t Problem::totalQ() const {
  return std::accumulate(seqlensQ.begin(), seqlensQ.end(), int64_t{0});
}
int64_t Problem::totalK() const {
  return std::accumulate(seqlensK.begin(), seqlensK.end(), int64_t{0});
}

bool dropoutKeeps(const Problem &p, int64_t batch, int64_t head, int64_t row,
                  int64_t col) {
  auto stream = static_cast<uint32_t>(batch * p.heads + head);
  std::array<uint32_t, 4> counter = {static_cast<uint32_t>(col),
                                     static_cast<uint32_t>(row), stream,
                                     static_cast<uint32_t>(p.offset)};
  std::array<uint32_t, 2> key = {static_cast<uint32_t>(p.seed),
                                 static_cast<uint32_t>(p.seed >> 32)};
  auto threshold = static_cast<uint64_t>(std::floor(p.dropoutP * 4294967296.0));
  return philox4x32_10(counter, key)[0] >= threshold;
}

double exact(double value) { return value; }

namespace {

/// One (sequence, head) pair: its row-major score-shaped matrices.
struct HeadView {
  int64_t batch, head, kvHead, rows, cols, qStart, kStart;
};

template <typename Fn>
void forEachHead(const Problem &p, Fn fn) {
  int64_t qStart = 0, kStart = 0;
  for (int64_t b = 0; b < p.batch(); ++b) {
    for (int64_t h = 0; h < p.heads; ++h)
      fn(HeadView{b, h, h / (p.heads / p.kvHeads), p.seqlensQ[b], p.seqlensK[b],
                  qStart, kStart});
    qStart += p.seqlensQ[b];
    kStart += p.seqlensK[b];
  }
}

/// The softmax probabilities P (before dropout) of one head, row-major
/// rows x cols, and the log-sum-exp per row.
void probabilities(const Problem &p, const HeadView &hv,
                   const std::vector<double> &q, const std::vector<double> &k,
                   const Rounding &round, std::vector<double> &probs,
                   std::vector<double> &lse) {
  const double inf = std::numeric_limits<double>::infinity();
  probs.assign(hv.rows * hv.cols, 0.0);
  lse.assign(hv.rows, inf);
  for (int64_t i = 0; i < hv.rows; ++i) {
    std::vector<double> scores(hv.cols, -inf);
    double rowMax = -inf;
    for (int64_t j = 0; j < hv.cols; ++j) {
      if (p.causal && j > i + hv.cols - hv.rows)
        continue;
      double dot = 0.0;
      for (int64_t d = 0; d < p.headDim; ++d)
        dot += q[((hv.qStart + i) * p.heads + hv.head) * p.headDim + d] *
               k[((hv.kStart + j) * p.kvHeads + hv.kvHead) * p.headDim + d];
      scores[j] = round(round(dot) * p.scale);
      rowMax = std::max(rowMax, scores[j]);
    }
    if (rowMax == -inf)
      continue; // no visible key: P = 0, lse = +inf
    double sum = 0.0;
    for (int64_t j = 0; j < hv.cols; ++j)
      sum += std::exp(scores[j] - rowMax);
    for (int64_t j = 0; j < hv.cols; ++j)
      probs[i * hv.cols + j] = round(std::exp(scores[j] - rowMax) / sum);
    lse[i] = rowMax + std::log(sum);
  }
}

/// The dropout factor of element (i, j): 0 or 1 / (1 - p).
double dropoutFactor(const Problem &p, const HeadView &hv, int64_t i,
                     int64_t j) {
  if (p.dropoutP <= 0.0)
    return 1.0;
  return dropoutKeeps(p, hv.batch, hv.head, i, j) ? 1.0 / (1.0 - p.dropoutP)
                                                  : 0.0;
}

} // namespace

Forward forward(const Problem &p, const std::vector<double> &q,
                const std::vector<double> &k, const std::vector<double> &v,
                const Rounding &round) {
  Forward result;
  result.out.assign(p.totalQ() * p.heads * p.headDim, 0.0);
  result.lse.assign(p.heads * p.totalQ(), 0.0);
  std::vector<double> probs, lse;
  forEachHead(p, [&](const HeadView &hv) {
    probabilities(p, hv, q, k, round, probs, lse);
    for (int64_t i = 0; i < hv.rows; ++i) {
      result.lse[hv.head * p.totalQ() + hv.qStart + i] = lse[i];
      for (int64_t d = 0; d < p.headDim; ++d) {
        double acc = 0.0;
        for (int64_t j = 0; j < hv.cols; ++j)
          acc += round(probs[i * hv.cols + j] * dropoutFactor(p, hv, i, j)) *
                 v[((hv.kStart + j) * p.kvHeads + hv.kvHead) * p.headDim + d];
        result.out[((hv.qStart + i) * p.heads + hv.head) * p.headDim + d] =
            round(acc);
      }
    }
  });
  return result;
}

Gradients backward(const Problem &p, const std::vector<double> &q,
                   const std::vector<double> &k, const std::vector<double> &v,
                   const std::vector<double> &dout, const Rounding &round,
                   const std::vector<double> *out) {
  Gradients g;
  g.dq.assign(q.size(), 0.0);
  g.dk.assign(k.size(), 0.0);
  g.dv.assign(v.size(), 0.0);
  std::vector<double> probs, lse;
  auto qAt = [&](const std::vector<double> &t, const HeadView &hv, int64_t i,
                 int64_t d) -> double {
    return t[((hv.qStart + i) * p.heads + hv.head) * p.headDim + d];
  };
  auto kIndex = [&](const HeadView &hv, int64_t j, int64_t d) {
    return ((hv.kStart + j) * p.kvHeads + hv.kvHead) * p.headDim + d;
  };
  forEachHead(p, [&](const HeadView &hv) {
    probabilities(p, hv, q, k, round, probs, lse);
    int64_t n = hv.cols;
    // dP = (dO V^T) through the dropout mask; D = rowsum(P * dP), or
    // rowsum(dO * O) from the given output.
    std::vector<double> dprobs(hv.rows * n, 0.0), dscores(hv.rows * n, 0.0);
    for (int64_t i = 0; i < hv.rows; ++i) {
      double delta = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0.0;
        for (int64_t d = 0; d < p.headDim; ++d)
          dot += qAt(dout, hv, i, d) * v[kIndex(hv, j, d)];
        dprobs[i * n + j] = round(dot) * dropoutFactor(p, hv, i, j);
        delta += probs[i * n + j] * dprobs[i * n + j];
      }
      if (out) {
        delta = 0.0;
        for (int64_t d = 0; d < p.headDim; ++d)
          delta += qAt(dout, hv, i, d) * qAt(*out, hv, i, d);
        delta = round(delta);
      }
      for (int64_t j = 0; j < n; ++j)
        dscores[i * n + j] =
            round(probs[i * n + j] * (dprobs[i * n + j] - delta));
    }
    for (int64_t i = 0; i < hv.rows; ++i)
      for (int64_t d = 0; d < p.headDim; ++d) {
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j)
          acc += dscores[i * n + j] * k[kIndex(hv, j, d)];
        g.dq[((hv.qStart + i) * p.heads + hv.head) * p.headDim + d] =
            round(acc * p.scale);
      }
    // GQA: the query heads of a group add into the same dK/dV rows.
    for (int64_t j = 0; j < n; ++j)
      for (int64_t d = 0; d < p.headDim; ++d) {
        double dk = 0.0, dv = 0.0;
        for (int64_t i = 0; i < hv.rows; ++i) {
          dk += dscores[i * n + j] * qAt(q, hv, i, d);
          dv += round(probs[i * n + j] * dropoutFactor(p, hv, i, j)) *
                qAt(dout, hv, i, d);
        }
        g.dk[kIndex(hv, j, d)] += round(dk * p.scale);
        g.dv[kIndex(hv, j, d)] += round(dv);
      }
  });
  // dK and dV are stored in the input precision after the group sum too.
  for (std::vector<double> *grad : {&g.dk, &g.dv})
    for (double &x : *grad)
      x = round(x);
  return g;
}

double relativeError(const std::vector<double> &a,
                     const std::vector<double> &b) {
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  if (norm == 0.0)
    return diff == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(diff / norm);
}

} // namespace flash::reference
