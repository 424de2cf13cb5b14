// pprof's profile.proto (github.com/google/pprof/proto/profile.proto), gzipped as pprof writes
// it. Four sample types, like a Go heap profile: alloc_objects and alloc_space (the whole run),
// inuse_objects and inuse_space (live at the exact heap peak). Locations are the recorded
// return addresses, each with its inlined functions as lines; functions come symbolized, so
// pprof needs no binaries.
#include <zlib.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "presenters/export/exports.h"
#include "presenters/export/protobuf_writer.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace {

// Field numbers of profile.proto.
namespace profile_field {
constexpr uint32_t kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5,
                   kStringTable = 6, kDurationNanos = 10, kPeriodType = 11, kPeriod = 12,
                   kComment = 13, kDefaultSampleType = 14;
}
namespace value_type_field {
constexpr uint32_t kType = 1, kUnit = 2;
}
namespace sample_field {
constexpr uint32_t kLocationId = 1, kValue = 2;
}
namespace mapping_field {
constexpr uint32_t kId = 1, kMemoryStart = 2, kMemoryLimit = 3, kFilename = 5, kBuildId = 6,
                   kHasFunctions = 7, kHasFilenames = 8, kHasLineNumbers = 9, kHasInlineFrames = 10;
}
namespace location_field {
constexpr uint32_t kId = 1, kMappingId = 2, kAddress = 3, kLine = 4;
}
namespace line_field {
constexpr uint32_t kFunctionId = 1, kLine = 2;
}
namespace function_field {
constexpr uint32_t kId = 1, kName = 2, kSystemName = 3, kFilename = 4;
}

class ProfileBuilder {
 public:
  explicit ProfileBuilder(HeapProfile* profile) : profile_(profile) { Intern(""); }

  std::string Build() {
    const std::pair<const char*, const char*> kSampleTypes[] = {{"alloc_objects", "count"},
                                                                {"alloc_space", "bytes"},
                                                                {"inuse_objects", "count"},
                                                                {"inuse_space", "bytes"}};
    for (const auto& [type, unit] : kSampleTypes)
      out_.Message(profile_field::kSampleType, ValueType(type, unit));
    // pprof takes the first mapping for the main binary: the first program's executable.
    if (!profile_->catalog().images().empty()) {
      const ProcessImage& first = profile_->catalog().images().front();
      MappingId(first.id, first.exe.substr(first.exe.rfind('/') + 1));
    }
    for (const StackValues& values : profile_->stacks()) {
      if (values.allocated.allocations == 0 && values.at_peak.blocks == 0) continue;
      ProtobufWriter sample;
      sample.Packed(sample_field::kLocationId, Locations(values.image, values.stack));
      sample.Packed(sample_field::kValue,
                    {values.allocated.allocations, values.allocated.bytes_allocated,
                     values.at_peak.blocks, values.at_peak.bytes});
      out_.Message(profile_field::kSample, sample);
    }
    for (const ProtobufWriter& mapping : mappings_) out_.Message(profile_field::kMapping, mapping);
    for (const ProtobufWriter& location : locations_)
      out_.Message(profile_field::kLocation, location);
    for (const ProtobufWriter& function : functions_)
      out_.Message(profile_field::kFunction, function);
    const HeapAnalysis& analysis = profile_->analysis();
    out_.Varint(profile_field::kDurationNanos, profile_->SinceStart(analysis.catalog.last_ts_ns()));
    out_.Message(profile_field::kPeriodType, ValueType("space", "bytes"));
    out_.Varint(profile_field::kPeriod, 1);
    std::vector<uint64_t> comments;
    if (!profile_->sampled_only()) {
      comments.push_back(Intern("memwrap: inuse_* = live at the exact heap peak, " +
                                std::to_string(analysis.peak_bytes) + " bytes at " +
                                std::to_string(profile_->SinceStart(analysis.peak_ts_ns)) +
                                " ns; alloc_* = the whole run"));
    }
    if (profile_->sampled_only()) {
      comments.push_back(Intern(
          "memwrap: SAMPLED trace: only sampled allocations were recorded; inuse_* and alloc_* "
          "per stack are estimates (each sample weighed by 1/probability), inuse_* those live "
          "when the samples' own total peaked; the exact peak is in memwrap report"));
    } else if (profile_->estimated()) {
      comments.push_back(Intern("memwrap: stacks were sampled: inuse_* per stack are estimates"));
    }
    for (uint64_t comment : comments) out_.Varint(profile_field::kComment, comment);
    out_.Varint(profile_field::kDefaultSampleType, Intern("inuse_space"));
    for (const std::string& text : strings_) out_.Bytes(profile_field::kStringTable, text);
    return out_.bytes();
  }

 private:
  ProtobufWriter ValueType(const std::string& type, const std::string& unit) {
    ProtobufWriter value;
    value.Varint(value_type_field::kType, Intern(type));
    value.Varint(value_type_field::kUnit, Intern(unit));
    return value;
  }

  uint64_t Intern(const std::string& text) {
    auto [it, added] = string_ids_.emplace(text, strings_.size());
    if (added) strings_.push_back(text);
    return it->second;
  }

  uint64_t FunctionId(const SourceFrame& frame) {
    const std::string name = FrameName(frame);
    auto [it, added] =
        function_ids_.emplace(std::make_pair(name, frame.file), functions_.size() + 1);
    if (added) {
      ProtobufWriter function;
      function.Varint(function_field::kId, it->second);
      function.Varint(function_field::kName, Intern(name));
      function.Varint(function_field::kSystemName, Intern(name));
      function.Varint(function_field::kFilename, Intern(frame.file));
      functions_.push_back(function);
    }
    return it->second;
  }

  // The mapping of a module (by its basename, as frames name it) in an image: where its
  // segments lie, its path and build-id. 0 when the image has no such module.
  uint64_t MappingId(ImageId image, const std::string& module) {
    if (image == 0 || module.empty()) return 0;
    auto [it, added] = mapping_ids_.emplace(std::make_pair(image, module), 0);
    if (!added) return it->second;
    uint64_t start = UINT64_MAX, limit = 0;
    const LoadedModule* found = nullptr;
    for (const LoadedModule& loaded : profile_->catalog().image(image).modules) {
      if (loaded.path.substr(loaded.path.rfind('/') + 1) != module) continue;
      found = &loaded;
      for (const auto& [vaddr, memsz] : loaded.segments) {
        start = std::min(start, loaded.base + vaddr);
        limit = std::max(limit, loaded.base + vaddr + memsz);
      }
    }
    if (found == nullptr || start >= limit) return 0;
    static const char kHex[] = "0123456789abcdef";
    std::string build_id;
    for (unsigned char byte : found->build_id) {
      build_id += kHex[byte >> 4];
      build_id += kHex[byte & 15];
    }
    it->second = mappings_.size() + 1;
    ProtobufWriter mapping;
    mapping.Varint(mapping_field::kId, it->second);
    mapping.Varint(mapping_field::kMemoryStart, start);
    mapping.Varint(mapping_field::kMemoryLimit, limit);
    mapping.Varint(mapping_field::kFilename, Intern(found->path));
    mapping.Varint(mapping_field::kBuildId, Intern(build_id));
    for (uint32_t field : {mapping_field::kHasFunctions, mapping_field::kHasFilenames,
                           mapping_field::kHasLineNumbers, mapping_field::kHasInlineFrames}) {
      mapping.Varint(field, 1);
    }
    mappings_.push_back(mapping);
    return it->second;
  }

  uint64_t LocationId(ImageId image, uint64_t address, const std::vector<SourceFrame>& frames) {
    auto [it, added] = location_ids_.emplace(std::make_pair(image, address), locations_.size() + 1);
    if (added) {
      ProtobufWriter location;
      location.Varint(location_field::kId, it->second);
      location.Varint(location_field::kMappingId,
                      frames.empty() ? 0 : MappingId(image, frames.back().module));
      location.Varint(location_field::kAddress, address);
      for (const SourceFrame& frame : frames) {  // innermost inlined first, as pprof wants
        ProtobufWriter line;
        line.Varint(line_field::kFunctionId, FunctionId(frame));
        line.Varint(line_field::kLine, frame.line);
        location.Message(location_field::kLine, line);
      }
      locations_.push_back(location);
    }
    return it->second;
  }

  // Leaf first, as pprof orders a sample's locations.
  std::vector<uint64_t> Locations(ImageId image, StackId stack) {
    std::vector<uint64_t> ids;
    const auto addresses = profile_->catalog().Stack(image, stack);
    if (!addresses || addresses->empty()) {
      SourceFrame none;
      none.function = "(no stack recorded)";
      ids.push_back(LocationId(0, 0, {none}));
      return ids;
    }
    for (uint64_t address : *addresses) {
      ids.push_back(LocationId(image, address, profile_->resolver().FramesAt(image, address)));
    }
    return ids;
  }

  HeapProfile* profile_;
  ProtobufWriter out_;
  std::vector<std::string> strings_;
  std::map<std::string, uint64_t> string_ids_;
  std::vector<ProtobufWriter> functions_;
  std::map<std::pair<std::string, std::string>, uint64_t> function_ids_;
  std::vector<ProtobufWriter> mappings_;
  std::map<std::pair<ImageId, std::string>, uint64_t> mapping_ids_;
  std::vector<ProtobufWriter> locations_;
  std::map<std::pair<ImageId, uint64_t>, uint64_t> location_ids_;
};

std::string Gzip(const std::string& data) {
  z_stream stream{};
  // 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw TraceError(TraceError::Kind::kIo, "cannot start gzip compression");
  }
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = uInt(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = uInt(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw TraceError(TraceError::Kind::kIo, "gzip compression failed");
  return out;
}

}  // namespace

std::string ExportPprof(HeapProfile& profile) {
  return Gzip(ProfileBuilder(&profile).Build());
}

}  // namespace memwrap
