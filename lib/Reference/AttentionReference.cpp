//===- AttentionReference.cpp - Naive attention, the test oracle ------------===//

#include "flash/Reference/AttentionReference.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

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

/// Sequence `batch`'s query head `head`.
HeadView headView(const Problem &p, int64_t batch, int64_t head) {
  int64_t qStart = std::accumulate(p.seqlensQ.begin(),
                                   p.seqlensQ.begin() + batch, int64_t(0));
  int64_t kStart = std::accumulate(p.seqlensK.begin(),
                                   p.seqlensK.begin() + batch, int64_t(0));
  return HeadView{batch, head, head / (p.heads / p.kvHeads), p.seqlensQ[batch],
                  p.seqlensK[batch], qStart, kStart};
}

/// Calls fn(0) .. fn(count - 1) on as many threads as the host has. Each
/// call writes its own outputs and sums in a fixed order, so the results do
/// not depend on the threads (checks of long sequences took minutes on one).
void parallelFor(int64_t count, const std::function<void(int64_t)> &fn) {
  int64_t workers = std::min<int64_t>(
      count, std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i = next++; i < count; i = next++)
      fn(i);
  };
  std::vector<std::thread> threads;
  for (int64_t w = 1; w < workers; ++w)
    threads.emplace_back(work);
  work();
  for (std::thread &thread : threads)
    thread.join();
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

// The products below run over a row of their right operand (contiguous)
// and keep one sum a column; each sum still adds its terms in index order.

Forward forward(const Problem &p, const std::vector<double> &q,
                const std::vector<double> &k, const std::vector<double> &v,
                const Rounding &round) {
  Forward result;
  result.out.assign(p.totalQ() * p.heads * p.headDim, 0.0);
  result.lse.assign(p.heads * p.totalQ(), 0.0);
  parallelFor(p.batch() * p.heads, [&](int64_t task) {
    HeadView hv = headView(p, task / p.heads, task % p.heads);
    std::vector<double> probs, lse, acc(p.headDim);
    probabilities(p, hv, q, k, round, probs, lse);
    for (int64_t i = 0; i < hv.rows; ++i) {
      result.lse[hv.head * p.totalQ() + hv.qStart + i] = lse[i];
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t j = 0; j < hv.cols; ++j) {
        double weight = round(probs[i * hv.cols + j] * dropoutFactor(p, hv, i, j));
        const double *vRow =
            &v[((hv.kStart + j) * p.kvHeads + hv.kvHead) * p.headDim];
        for (int64_t d = 0; d < p.headDim; ++d)
          acc[d] += weight * vRow[d];
      }
      for (int64_t d = 0; d < p.headDim; ++d)
        result.out[((hv.qStart + i) * p.heads + hv.head) * p.headDim + d] =
            round(acc[d]);
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
  auto qIndex = [&](const HeadView &hv, int64_t i) {
    return ((hv.qStart + i) * p.heads + hv.head) * p.headDim;
  };
  auto kIndex = [&](const HeadView &hv, int64_t j) {
    return ((hv.kStart + j) * p.kvHeads + hv.kvHead) * p.headDim;
  };
  auto oneHead = [&](const HeadView &hv) {
    std::vector<double> probs, lse;
    probabilities(p, hv, q, k, round, probs, lse);
    int64_t n = hv.cols;
    // dP = (dO V^T) through the dropout mask; D = rowsum(P * dP), or
    // rowsum(dO * O) from the given output.
    std::vector<double> dprobs(hv.rows * n, 0.0), dscores(hv.rows * n, 0.0);
    for (int64_t i = 0; i < hv.rows; ++i) {
      const double *doRow = &dout[qIndex(hv, i)];
      double delta = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        const double *vRow = &v[kIndex(hv, j)];
        double dot = 0.0;
        for (int64_t d = 0; d < p.headDim; ++d)
          dot += doRow[d] * vRow[d];
        dprobs[i * n + j] = round(dot) * dropoutFactor(p, hv, i, j);
        delta += probs[i * n + j] * dprobs[i * n + j];
      }
      if (out) {
        const double *outRow = &(*out)[qIndex(hv, i)];
        delta = 0.0;
        for (int64_t d = 0; d < p.headDim; ++d)
          delta += doRow[d] * outRow[d];
        delta = round(delta);
      }
      for (int64_t j = 0; j < n; ++j)
        dscores[i * n + j] =
            round(probs[i * n + j] * (dprobs[i * n + j] - delta));
    }
    std::vector<double> acc(p.headDim), accV(p.headDim);
    for (int64_t i = 0; i < hv.rows; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t j = 0; j < n; ++j) {
        const double *kRow = &k[kIndex(hv, j)];
        for (int64_t d = 0; d < p.headDim; ++d)
          acc[d] += dscores[i * n + j] * kRow[d];
      }
      for (int64_t d = 0; d < p.headDim; ++d)
        g.dq[qIndex(hv, i) + d] = round(acc[d] * p.scale);
    }
    // GQA: the query heads of a group add into the same dK/dV rows.
    for (int64_t j = 0; j < n; ++j) {
      std::fill(acc.begin(), acc.end(), 0.0);
      std::fill(accV.begin(), accV.end(), 0.0);
      for (int64_t i = 0; i < hv.rows; ++i) {
        const double *qRow = &q[qIndex(hv, i)], *doRow = &dout[qIndex(hv, i)];
        double weight = round(probs[i * n + j] * dropoutFactor(p, hv, i, j));
        for (int64_t d = 0; d < p.headDim; ++d) {
          acc[d] += dscores[i * n + j] * qRow[d];
          accV[d] += weight * doRow[d];
        }
      }
      for (int64_t d = 0; d < p.headDim; ++d) {
        g.dk[kIndex(hv, j) + d] += round(acc[d] * p.scale);
        g.dv[kIndex(hv, j) + d] += round(accV[d]);
      }
    }
  };
  // A task a (sequence, K/V head): its query heads add into its dK/dV rows
  // one after another, in head order.
  int64_t group = p.heads / p.kvHeads;
  parallelFor(p.batch() * p.kvHeads, [&](int64_t task) {
    int64_t batch = task / p.kvHeads, kvHead = task % p.kvHeads;
    for (int64_t h = kvHead * group; h < (kvHead + 1) * group; ++h)
      oneHead(headView(p, batch, h));
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
