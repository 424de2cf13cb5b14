// What the fuzzers run, shared by the libFuzzer binaries (*_fuzzer.cpp, built with
// -DMEMWRAP_FUZZ=ON and clang) and by the replay of the seeds and of every kept regression input
// in the normal test build (fuzz_regressions_test.cpp). docs/fuzzing.md explains the setup.
//
// Each target returns normally when memwrap handled the input the way the project requires:
// it was read, or it was refused with a TraceError (a clear message). It throws FuzzFailure
// when one of its checks on the result fails. Anything else -- a crash, a sanitizer report, a
// hang, a leak, any other exception -- is a bug in memwrap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <stdexcept>
#include <vector>

namespace memwrap::fuzz {

class FuzzFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Call once per process before the targets: keeps the symbolizer off the network (debuginfod).
void InitEnvironment();

// trace_reader: the input is one flags byte, then a .mwt file.
//   flags bit 0: before reading, recompute the CRC-32s of every chunk header and payload, so
//                that mutations reach the decoder instead of stopping at the checksums;
//   flags bit 1: before that, re-frame the chunks: each chunk's payload runs to the next chunk
//                magic (or the end), and a stored (codec 0) chunk's raw_size is made equal to
//                it, so that inserting or removing bytes keeps the chunk chain intact;
//   flags bit 2: then re-encode every records chunk stored with codec 0 as codec 2: its longest
//                prefix of well-framed records (of types 1..255) is packed with
//                RecordPacker::Pack and zstd-compressed, so that mutated records reach
//                RecordPacker::Unpack and the analysis behind it;
//   flags bit 3: then zstd-compress the payload of every chunk marked codec 2, which holds
//                packed records as the input gives them (so Unpack sees hostile varints and
//                record headers); its raw_size becomes what they unpack to, when they do;
//   flags bit 4: (when bit 2 is clear) re-encode every records chunk stored with codec 0 as
//                codec 4 (what TraceWriter writes): its longest prefix of well-framed records is
//                encoded with ColumnarCodec::Encode and its columns compressed (CompressColumns),
//                so that mutated records reach the columnar encoder and decoder;
//   flags bit 5: then compress the columns of every chunk marked codec 3 or 4 whose payload is a
//                columnar form as the input gives it (directory of column sizes, columns: see
//                column_frames.h), so that ColumnarDecoder sees hostile columns; its raw_size
//                becomes what they decode to, when they do. A payload whose directory does not
//                frame its columns is left as it is (the reader refuses it).
// The file goes through the whole analysis path (TraceReader, TraceStream, AnalyzeHeap,
// call sites and symbolizer, i.e. BuildReport; then the text and JSON reports and the exit
// summary), plus one sequential pass of TraceReader::NextChunk + RecordCursor.
void TraceReaderTarget(const uint8_t* data, size_t size);

// The .mwt bytes TraceReaderTarget reads for this input (flags applied): to reproduce a
// finding with `memwrap report`.
std::vector<uint8_t> TraceFileOfInput(const uint8_t* data, size_t size);

// columnar_codec: the records chunk codecs 3 and 4 alone (tracefile/columnar_codec.h),
// much faster per input than trace_reader. The first byte chooses the layout (its value / 3
// even: codec 3's whole varints; odd: codec 4's split ones) and, modulo 3, what the rest is:
//   0: a stored columnar payload (column_frames.h): DecompressColumns, then ColumnarDecoder
//      with a stated size of 1 MiB; refusals are fine, and what decodes must fit that size;
//   1: a columnar form: ColumnarDecoder alone, likewise;
//   2: records: their longest well-framed prefix (types 1..255) is encoded, its columns
//      compressed and decompressed, and decoded again, which must give every byte back.
// One encoder and one decoder serve every input, as in a writer and a reader: state left by
// one chunk must not leak into the next.
void ColumnarCodecTarget(const uint8_t* data, size_t size);

// ring_consumer: the input is the shared memory of one ring as a hostile shim leaves it:
//   bytes 0..7     parameters: u32 drain budget (max_bytes per Drain, 0 = unlimited), u16 number
//                  of records an honest producer then adds, u16 a seed for their shapes;
//   next 256 bytes the RingHeader (magic, capacity, head, tail... all as given);
//   the rest       the data area, laid down starting at the data offset of the header's tail
//                  (wrapping around), so short inputs reach the end of the area too.
// The mapping is kRingHeaderSize + 64 KiB, followed by a page that faults (a read past its end
// crashes, as in the collector). The header must pass RingConsumer::Validate; then Drain runs
// until the ring is empty, and every byte it returns is checked against the ring
// (well-framed records, copied exactly from committed slots, in order), as are the shared tail
// and UnreadBytes. If the ring is not damaged, an honest RingProducer then writes records from
// where the consumer stopped, and each must come out exactly as written.
void RingConsumerTarget(const uint8_t* data, size_t size);

}  // namespace memwrap::fuzz
