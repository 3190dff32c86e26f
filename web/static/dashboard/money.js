// Exact money for the page: amounts arrive as minor units (fen, a string) and are
// added and formatted as BigInt, never as floating point. Only a chart's bar
// heights are Numbers (wan yuan), and their tooltips show the exact amount.
(function (global) {
  "use strict";

  function fen(money) {
    return BigInt(money.minorUnits);
  }

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // "170,000,000.00" from 17000000000n.
  function exact(minor) {
    var negative = minor < 0n;
    var abs = negative ? -minor : minor;
    var yuan = abs / 100n;
    var cents = (abs % 100n).toString().padStart(2, "0");
    return (negative && abs !== 0n ? "-" : "") + grouped(yuan.toString()) + "." + cents;
  }

  // "1.7亿", "231.93万": the unit Chinese reports use, to at most 4 decimals (half up).
  function short(minor) {
    var negative = minor < 0n;
    var abs = negative ? -minor : minor;
    var unit = "元";
    var scale = 100n;
    if (abs >= 10000000000n) {
      unit = "亿";
      scale = 10000000000n;
    } else if (abs >= 1000000n) {
      unit = "万";
      scale = 1000000n;
    }
    var tenThousandths = (abs * 10000n + scale / 2n) / scale;
    var whole = (tenThousandths / 10000n).toString();
    var decimals = (tenThousandths % 10000n).toString().padStart(4, "0").replace(/0+$/, "");
    return (negative && tenThousandths !== 0n ? "-" : "") + grouped(whole) +
      (decimals ? "." + decimals : "") + unit;
  }

  // A chart's bar height in 万元 (display only).
  function wan(minor) {
    return Number(minor) / 1000000;
  }

  global.RiskpoolMoney = { fen: fen, exact: exact, short: short, wan: wan };
})(window);
