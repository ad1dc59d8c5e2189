// The principal directions of a recorded trajectory (src/nn/plane.hpp), by
// Eigen's SVD. Kept apart from the plane's evaluation, which is compiled
// for the build machine's vector instructions: the SVD runs once a plane.
#include <Eigen/SVD>

#include "nn/plane.hpp"

namespace trilo::nn {

std::vector<double> principal_directions(const std::vector<double>& records, std::int64_t n, std::int64_t P,
                                         int k, std::vector<double>* variance) {
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
  MatD a = Eigen::Map<const Mat<double>>(records.data(), n, P);
  const Eigen::RowVectorXd mean = a.colwise().mean();
  a.rowwise() -= mean;
  Eigen::BDCSVD<MatD> svd(a, Eigen::ComputeThinV);
  const Eigen::VectorXd& s = svd.singularValues();
  const MatD& v = svd.matrixV();
  const double total = s.squaredNorm();
  std::vector<double> out(static_cast<std::size_t>(k * P));
  if (variance) variance->assign(static_cast<std::size_t>(k), 0.0);
  for (int c = 0; c < k; ++c) {
    Eigen::VectorXd col = c < v.cols() ? Eigen::VectorXd(v.col(c)) : Eigen::VectorXd::Zero(P);
    Eigen::Index big = 0;
    col.cwiseAbs().maxCoeff(&big);
    if (col(big) < 0) col = -col;
    std::copy(col.data(), col.data() + P, out.begin() + static_cast<std::ptrdiff_t>(c * P));
    if (variance && c < s.size() && total > 0) (*variance)[static_cast<std::size_t>(c)] = s(c) * s(c) / total;
  }
  return out;
}

}  // namespace trilo::nn
