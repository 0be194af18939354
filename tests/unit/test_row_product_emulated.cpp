// The engine's row-product CUDA kernel (model/engine/cuda/row_product.cu) compiled as C++ against the CPU
// emulation of tests/cuda_emulation, so that its indexing, layer norms, sums and rounding are checked on
// machines without a GPU: the checks of the GPU kernel check (bench/gpu_check/kernel_check.cu) against a
// double-precision reference, on fewer output rows.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <type_traits>
#include <vector>

#include "model/engine/cuda/row_product.cu"

using namespace kosmos::cuda;

#define CHECK(call)                                                                                      \
    do {                                                                                                 \
        cudaError_t status_ = (call);                                                                    \
        if (status_ != cudaSuccess) {                                                                    \
            std::fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(status_), __FILE__, __LINE__); \
            std::exit(2);                                                                                \
        }                                                                                                \
    } while (0)

#include "bench/gpu_check/row_product_check.cuh"

class RowProductEmulatedTest : public QObject {
    Q_OBJECT

private slots:
    void matchesTheDoublePrecisionReference() {
        std::mt19937 rng(1234);
        QVERIFY(kernel_check::checkRowProducts(rng));
    }

    void refusesTooMuchSharedMemory() {
        // Two rows of 8192 bf16 values would need 32 KiB of normalised rows: allowed; three would need 48 KiB.
        QVERIFY(rowProductSupported(ElementType::BFloat16, ProductInput::Normed, 2, 8192, 16));
        QVERIFY(!rowProductSupported(ElementType::BFloat16, ProductInput::Normed, 3, 8192, 16));
        QVERIFY(rowProductSupported(ElementType::BFloat16, ProductInput::Raw, 8, 8192, 16));
    }
};

QTEST_GUILESS_MAIN(RowProductEmulatedTest)
#include "test_row_product_emulated.moc"
