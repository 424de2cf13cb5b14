// memwrap plot: the instant index of a trace (instant_index.cpp; keys in docs/plot.md) and the
// two questions it answers exactly, by call site: what was live at an instant, and what
// entered and left the live heap over a range.

  // The index's integers: unsigned LEB128 varints in base64 (instant_index.cpp). Values reach
  // past 2^32 (bytes), so each 7-bit group is added by multiplication, exact up to 2^53.
  function varintReader(base64) {
    const bytes = atob(base64);
    let at = 0;
    return function () {
      let value = 0, scale = 1, byte;
      do {
        byte = bytes.charCodeAt(at++);
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
      return value;
    };
  }

  // Decodes `index` once into typed arrays: bucket start times, each bucket's first entry, and
  // per entry its site and what it added to and removed from the live heap.
  function InstantIndex(index) {
    const quantum = index.quantum_ns, count = index.entries, next = varintReader(index.buckets);
    const site = new Uint32Array(count), allocatedBlocks = new Float64Array(count),
          freedBlocks = new Float64Array(count), allocatedBytes = new Float64Array(count),
          freedBytes = new Float64Array(count);
    const bucketTime = [], bucketFirst = [];
    let time = 0, e = 0;
    while (e < count) {
      time += next() * quantum;
      const n = next();
      bucketTime.push(time);
      bucketFirst.push(e);
      for (let k = 0; k < n; ++k, ++e) {
        site[e] = next();
        allocatedBytes[e] = next();
        allocatedBlocks[e] = next();
        freedBytes[e] = next();
        freedBlocks[e] = next();
      }
    }
    bucketFirst.push(e);

    // The instant the index can answer for at or before `ns`: a multiple of the quantum.
    function snap(ns) { return Math.max(0, Math.floor(ns / quantum) * quantum); }
    // The first entry of the buckets that start at or after `ns` (a multiple of the quantum):
    // the entries before it are the events before that instant.
    function entriesBefore(ns) {
      let low = 0, high = bucketTime.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (bucketTime[mid] < ns) low = mid + 1; else high = mid;
      }
      return bucketFirst[low];
    }
    function rowOf(rows, s) {
      if (!rows.has(s)) {
        rows.set(s, { site: index.sites[s], start: 0, startBlocks: 0, allocated: 0,
                      allocatedBlocks: 0, freed: 0, freedBlocks: 0 });
      }
      return rows.get(s);
    }
    // Live bytes and blocks of each site, added up from entries [0, end), into `field`.
    function addLive(rows, end, field, blocksField) {
      for (let i = 0; i < end; ++i) {
        const row = rowOf(rows, site[i]);
        row[field] += allocatedBytes[i] - freedBytes[i];
        row[blocksField] += allocatedBlocks[i] - freedBlocks[i];
      }
    }

    return {
      quantum: quantum,
      snap: snap,
      // Bytes allocated over the whole trace, by site number.
      allocatedBySite: function () {
        const bytes = new Float64Array(index.sites.length);
        for (let i = 0; i < count; ++i) bytes[site[i]] += allocatedBytes[i];
        return bytes;
      },
      // The heap live at `ns` (snapped): every allocation and free before that instant.
      liveAt: function (ns) {
        const at = snap(ns), rows = new Map();
        addLive(rows, entriesBefore(at), "start", "startBlocks");
        const sites = [];
        let total = 0, blocks = 0;
        rows.forEach(function (row) {
          if (row.start === 0 && row.startBlocks === 0) return;
          total += row.start;
          blocks += row.startBlocks;
          sites.push(row);
        });
        return { at: at, total: total, blocks: blocks, sites: sites };
      },
      // What happened in [from, to) (snapped): live at its start, allocated and freed in it
      // (blocks released when their process ended count as freed), live at its end.
      range: function (fromNs, toNs) {
        const from = snap(Math.min(fromNs, toNs)), to = snap(Math.max(fromNs, toNs));
        const rows = new Map(), first = entriesBefore(from), last = entriesBefore(to);
        addLive(rows, first, "start", "startBlocks");
        for (let i = first; i < last; ++i) {
          const row = rowOf(rows, site[i]);
          row.allocated += allocatedBytes[i];
          row.allocatedBlocks += allocatedBlocks[i];
          row.freed += freedBytes[i];
          row.freedBlocks += freedBlocks[i];
        }
        const sites = [];
        const totals = { start: 0, allocated: 0, freed: 0, end: 0, allocatedBlocks: 0, freedBlocks: 0 };
        rows.forEach(function (row) {
          row.end = row.start + row.allocated - row.freed;
          row.change = row.end - row.start;
          if (!row.start && !row.allocated && !row.freed && !row.allocatedBlocks) return;
          for (const key in totals) totals[key] += row[key];
          sites.push(row);
        });
        return { from: from, to: to, totals: totals, sites: sites };
      },
    };
  }
