#include "model/engine/checkpoint.h"

#include <ATen/core/grad_mode.h>
#include <algorithm>
#include <set>
#include <sstream>

#include "model/error.h"

namespace kosmos {
namespace {

std::string shapeText(at::IntArrayRef shape) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

std::string fileName(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

at::ScalarType toScalarType(DType type) {
    switch (type) {
    case DType::F64: return at::kDouble;
    case DType::F32: return at::kFloat;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::I64: return at::kLong;
    case DType::I32: return at::kInt;
    case DType::I16: return at::kShort;
    case DType::I8: return at::kChar;
    case DType::U8: return at::kByte;
    case DType::Bool: return at::kBool;
    }
    return at::kFloat;
}

DType toDType(at::ScalarType type) {
    switch (type) {
    case at::kDouble: return DType::F64;
    case at::kFloat: return DType::F32;
    case at::kHalf: return DType::F16;
    case at::kBFloat16: return DType::BF16;
    case at::kLong: return DType::I64;
    case at::kInt: return DType::I32;
    case at::kShort: return DType::I16;
    case at::kChar: return DType::I8;
    case at::kByte: return DType::U8;
    case at::kBool: return DType::Bool;
    default: throw Error(std::string("tensors of type ") + at::toString(type) + " cannot be saved");
    }
}

at::Tensor mappedTensor(const SafetensorsFile& file, const TensorInfo& info) {
    auto keep = file.keepAlive();
    void* data = const_cast<std::uint8_t*>(file.data(info));
    return at::from_blob(data, info.shape, [keep](void*) {}, at::TensorOptions().dtype(toScalarType(info.dtype)));
}

void loadParameters(torch::nn::Module& module, const std::string& dirOrFile, const CheckpointLoadOptions& options,
                    const std::vector<std::string>& tiedOptional, const std::vector<std::string>& ignoredKeys,
                    std::vector<std::string>* missingTied) {
    const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(dirOrFile);
    at::NoGradGuard noGrad;
    auto params = module.named_parameters(/*recurse=*/true);
    std::set<std::string> used;
    std::size_t done = 0;
    for (auto& item : params) {
        const std::string& name = item.key();
        at::Tensor& param = item.value();
        auto [file, info] = checkpoint.find(name);
        if (!file) {
            if (std::find(tiedOptional.begin(), tiedOptional.end(), name) != tiedOptional.end()) {
                if (missingTied) missingTied->push_back(name);
                continue;
            }
            throw Error(dirOrFile + ": tensor '" + name + "' is missing (expected shape " + shapeText(param.sizes()) + ")");
        }
        const std::string where = fileName(file->path());
        if (!at::IntArrayRef(info->shape).equals(param.sizes()))
            throw Error(where + ": tensor '" + name + "' has shape " + shapeText(info->shape) + ", expected " +
                        shapeText(param.sizes()));
        if (info->dtype != DType::F32 && info->dtype != DType::F16 && info->dtype != DType::BF16 &&
            info->dtype != DType::F64)
            throw Error(where + ": tensor '" + name + "' has dtype " + dtypeName(info->dtype) +
                        ", expected a floating-point type (F32, F16, BF16)");
        at::Tensor source = mappedTensor(*file, *info);
        const bool sameType = source.scalar_type() == options.dtype && options.device.is_cpu();
        at::Tensor value = sameType && options.zeroCopy ? source
                                                        : source.to(options.device, options.dtype, false, /*copy=*/true);
        param.set_data(value);
        used.insert(name);
        if (options.progress) options.progress(static_cast<double>(++done) / params.size(), name);
    }
    for (const std::string& name : checkpoint.names()) {
        if (used.count(name)) continue;
        if (std::find(ignoredKeys.begin(), ignoredKeys.end(), name) != ignoredKeys.end()) continue;
        throw Error(dirOrFile + ": unexpected tensor '" + name + "' (not part of a KOSMOS-2 model of this configuration)");
    }
}

void saveTensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                 const std::map<std::string, std::string>& metadata) {
    std::vector<at::Tensor> keep;
    std::vector<TensorView> views;
    for (const auto& [name, tensor] : tensors) {
        at::Tensor cpu = tensor.detach().to(at::kCPU).contiguous();
        keep.push_back(cpu);
        TensorView view;
        view.name = name;
        view.dtype = toDType(cpu.scalar_type());
        view.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
        view.data = cpu.data_ptr();
        views.push_back(std::move(view));
    }
    writeSafetensors(path, views, metadata);
}

} // namespace kosmos
