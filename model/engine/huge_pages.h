#pragma once
// CPU buffers that are streamed end to end on every decode step (int8 weights, the bench's read test) are
// asked for in 2 MiB pages where the system grants them (Linux transparent huge pages in "madvise" mode, as on
// Debian): a stream through 4 KiB pages walks the page tables every 4 KiB, which on the project's CI machine
// cost a plain two-core read of 1 GiB 5-30 % of its rate.
#include <ATen/ATen.h>

namespace kosmos {

// An uninitialised contiguous CPU tensor aligned to 2 MiB and advised for huge pages; an ordinary allocation
// where the platform has no such advice.
at::Tensor hugePageTensor(at::IntArrayRef shape, at::ScalarType dtype);

} // namespace kosmos
