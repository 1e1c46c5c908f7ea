// Numbers in the units people read, for chart ticks and tooltips: the same unit names and rules as
// app/labs/format.py (bytes in GiB/MiB, times in ms or s, fractions as %, a few significant digits).

const BINARY = [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
const LARGE = [["T", 1e12], ["B", 1e9], ["M", 1e6]];
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

// `value` to `digits` significant digits, fixed notation with thousands separators; integer digits are kept.
export function significant(value, digits = 3) {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const places = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return value.toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places });
}

function trimZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function scientific(value) {
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  const mantissa = trimZeros((value / 10 ** exponent).toPrecision(3));
  const power = String(exponent).split("").map((c) => SUPERSCRIPT[c]).join("");
  return mantissa === "1" ? `10${power}` : `${mantissa} × 10${power}`;
}

// One value in `unit` (one of app/labs/format.py's canonical units); `short` trims digits for axis ticks.
export function formatValue(value, unit = "plain", short = false) {
  const trimmed = short ? trimZeros : (text) => text;
  if (value === null || value === undefined) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  const digits = short ? 2 : 3;
  const abs = Math.abs(value);
  switch (unit) {
    case "bytes": {
      for (const [name, size] of BINARY) if (abs >= size) return `${trimmed(significant(value / size, digits))} ${name}`;
      return `${Math.round(value)} B`;
    }
    case "ms":
      if (abs >= 1000) return `${trimmed(significant(value / 1000, digits))} s`;
      return `${trimmed(significant(value, digits))} ms`;
    case "s":
      if (abs > 0 && abs < 1) return `${trimmed(significant(value * 1000, digits))} ms`;
      return `${trimmed(significant(value, digits))} s`;
    case "fraction":
      return value === 0 ? "0%" : `${trimmed(significant(value * 100, digits))}%`;
    case "percent":
      return `${trimmed(significant(value, digits))}%`;
    case "count":
    case "tok/s": {
      const suffix = unit === "tok/s" ? " tok/s" : "";
      for (const [name, size] of LARGE) if (abs >= size) return `${trimmed(significant(value / size, short ? 3 : 4))} ${name}${suffix}`;
      if (short && abs >= 1e4) return `${trimmed(significant(value / 1e3, 3))} k${suffix}`;
      return `${Math.round(value).toLocaleString("en-US")}${suffix}`;
    }
    case "int":
      return Number.isInteger(value) ? String(value) : trimmed(significant(value, 4));
    case "TFLOP/s":
      return `${trimmed(significant(value, digits))} TFLOP/s`;
    case "ratio":
      return trimmed(significant(value, digits));
    case "times":
      return `${trimmed(significant(value, digits))}×`;
    case "flops": {
      for (const [name, size] of [["E", 1e18], ["P", 1e15], ["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3]]) {
        if (abs >= size) return `${trimmed(significant(value / size, digits))} ${name}FLOP`;
      }
      return `${Math.round(value).toLocaleString("en-US")} FLOP`;
    }
    case "sci":
      return value === 0 ? "0" : scientific(value);
    default:
      if (Number.isInteger(value) && abs < 1e15) return abs >= 1e4 ? value.toLocaleString("en-US") : String(value);
      if (abs > 0 && (abs < 1e-3 || abs >= 1e7)) return scientific(value);
      return trimmed(significant(value, short ? 3 : 4));
  }
}
