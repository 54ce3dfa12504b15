//===- ReferenceTest.cpp - The float64 oracle checked on its own ------------===//
//
// The oracle is only useful if it is right: Philox against Random123's
// published known-answer vectors, the analytic gradients against finite
// differences, and the dropout mask's rate against p.
//
//===----------------------------------------------------------------------===//

#include "flash/Reference/AttentionReference.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace flash::reference;

namespace {

TEST(Philox, MatchesRandom123KnownAnswers) {
  struct Vector {
    std::array<uint32_t, 4> counter;
    std::array<uint32_t, 2> key;
    std::array<uint32_t, 4> expected;
  };
  const Vector vectors[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Vector &v : vectors)
    EXPECT_EQ(philox4x32_10(v.counter, v.key), v.expected);
}

Problem tinyProblem(bool causal, double dropout) {
  Problem p;
  p.heads = 2;
  p.kvHeads = 1; // GQA: both query heads share one K/V head
  p.headDim = 4;
  p.seqlensQ = {3, 5};
  p.seqlensK = {4, 2};
  p.causal = causal;
  p.scale = 0.7;
  p.dropoutP = dropout;
  p.seed = 1234;
  p.offset = 5;
  return p;
}

std::vector<double> randomVector(size_t n, std::mt19937_64 &gen) {
  std::normal_distribution<double> normal;
  std::vector<double> values(n);
  for (double &x : values)
    x = normal(gen);
  return values;
}

/// L = sum(out * dout); its gradient with respect to every input is what
/// backward() returns.
double loss(const Problem &p, const std::vector<double> &q,
            const std::vector<double> &k, const std::vector<double> &v,
            const std::vector<double> &dout) {
  Forward f = forward(p, q, k, v);
  double total = 0.0;
  for (size_t i = 0; i < f.out.size(); ++i)
    total += f.out[i] * dout[i];
  return total;
}

/// Fresh random q, k, v and dout for `p`.
struct Inputs {
  std::vector<double> q, k, v, dout;
};
Inputs randomInputs(const Problem &p) {
  std::mt19937_64 gen(std::random_device{}());
  Inputs in;
  in.q = randomVector(p.totalQ() * p.heads * p.headDim, gen);
  in.k = randomVector(p.totalK() * p.kvHeads * p.headDim, gen);
  in.v = randomVector(p.totalK() * p.kvHeads * p.headDim, gen);
  in.dout = randomVector(in.q.size(), gen);
  return in;
}

class ReferenceGradients
    : public ::testing::TestWithParam<std::tuple<bool, double>> {};

TEST_P(ReferenceGradients, AgreeWithFiniteDifferences) {
  auto [causal, dropout] = GetParam();
  Problem p = tinyProblem(causal, dropout);
  auto [q, k, v, dout] = randomInputs(p);
  Gradients g = backward(p, q, k, v, dout);

  const double h = 1e-6;
  auto check = [&](std::vector<double> &x, const std::vector<double> &grad,
                   const char *name) {
    for (size_t i = 0; i < x.size(); ++i) {
      double saved = x[i];
      x[i] = saved + h;
      double up = loss(p, q, k, v, dout);
      x[i] = saved - h;
      double down = loss(p, q, k, v, dout);
      x[i] = saved;
      double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(grad[i], numeric, 1e-6 + 1e-5 * std::abs(numeric))
          << name << "[" << i << "]";
    }
  };
  check(q, g.dq, "dq");
  check(k, g.dk, "dk");
  check(v, g.dv, "dv");
}

TEST_P(ReferenceGradients, FlashAttentionsRowTermGivesTheSameGradients) {
  auto [causal, dropout] = GetParam();
  Problem p = tinyProblem(causal, dropout);
  auto [q, k, v, dout] = randomInputs(p);
  Gradients g = backward(p, q, k, v, dout);
  Forward f = forward(p, q, k, v);
  Gradients fromOut = backward(p, q, k, v, dout, exact, &f.out);
  for (auto [ours, theirs] : {std::pair{&fromOut.dq, &g.dq},
                              std::pair{&fromOut.dk, &g.dk},
                              std::pair{&fromOut.dv, &g.dv}})
    for (size_t i = 0; i < ours->size(); ++i)
      EXPECT_NEAR((*ours)[i], (*theirs)[i], 1e-12 + 1e-10 * std::abs((*theirs)[i]));
}

INSTANTIATE_TEST_SUITE_P(CausalAndDropout, ReferenceGradients,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(0.0, 0.3)));

TEST(Reference, RowsWithoutVisibleKeysGiveZeroAndInfiniteLse) {
  // seqlen_q > seqlen_k, causal: the first rows see no key.
  Problem p;
  p.headDim = 2;
  p.seqlensQ = {4};
  p.seqlensK = {2};
  p.causal = true;
  std::vector<double> q(8, 0.5), k(4, 0.25), v = {1, 2, 3, 4};
  Forward f = forward(p, q, k, v);
  EXPECT_TRUE(std::isinf(f.lse[0]) && f.lse[0] > 0);
  EXPECT_TRUE(std::isinf(f.lse[1]) && f.lse[1] > 0);
  EXPECT_FALSE(std::isinf(f.lse[2]));
  EXPECT_EQ(f.out[0], 0.0);
  EXPECT_EQ(f.out[1], 0.0);
  EXPECT_DOUBLE_EQ(f.out[4], 1.0); // row 2 sees key 0 only: out = v[0]
}

TEST(Reference, DropoutRateMatchesProbability) {
  Problem p;
  p.heads = 4;
  p.seqlensQ = {256, 100};
  p.seqlensK = {256, 300};
  p.seed = std::random_device{}();
  for (double rate : {0.1, 0.5, 0.9}) {
    p.dropoutP = rate;
    int64_t dropped = 0, total = 0;
    for (int64_t b = 0; b < p.batch(); ++b)
      for (int64_t h = 0; h < p.heads; ++h)
        for (int64_t i = 0; i < p.seqlensQ[b]; ++i)
          for (int64_t j = 0; j < p.seqlensK[b]; ++j, ++total)
            dropped += !dropoutKeeps(p, b, h, i, j);
    double sigma = std::sqrt(rate * (1 - rate) / total);
    EXPECT_NEAR(static_cast<double>(dropped) / total, rate, 5 * sigma);
  }
}

} // namespace
