// The dashboard: every figure is read through /graphql with the user's bearer
// token, one request per section, so a section the user's role may not read
// (the ledger's accounts, for an institution) says so and the rest still show.
// When every section has answered, <body data-state="ready"> (the browser test
// waits for it); each card keeps the API's exact amount in data-amount.
(function () {
  "use strict";
  var M = window.RiskpoolMoney;
  var TOKEN_KEY = "riskpool.token";
  var SCHEME_START = { year: 2018, month: 11 }; // the reserve's first tranche (郑政办[2018]97号)
  var ALIASES_PER_REQUEST = 15; // below the API's alias limit (max_aliases)
  var CLAIM_STATES = [
    ["SUBMITTED", "已提交"], ["AUDIT_COMMISSIONED", "已委托审计"], ["AUDITED", "已审计"],
    ["REVIEWED", "已复核"], ["APPROVED", "已批准"], ["PAID", "已支付"],
    ["REJECTED", "已驳回"], ["WITHDRAWN", "已撤回"],
  ];
  var WARNING_KINDS = {
    LOAN_NEAR_TRIGGER: "贷款临近代偿条件",
    INSTITUTION_NEAR_SUSPENSION: "机构临近暂停",
    POOL_BELOW_FLOOR: "资金池低于下限",
    CONCENTRATION: "集中度",
  };
  var ROLES = {
    OPERATOR: "运营管理机构", SCIENCE_BUREAU: "市科技局", FINANCE_BUREAU: "市财政局",
    CITY_GOVERNMENT: "市政府", AUDITOR: "审计机构", VIEWER: "只读", INSTITUTION: "合作机构",
  };
  var charts = {};

  function $(id) { return document.getElementById(id); }

  function beijingToday() {
    return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date());
  }

  function token() { return window.localStorage.getItem(TOKEN_KEY) || ""; }

  function setStatus(text) { $("status").textContent = text; }

  // POST a document; resolves to {data, errors}, a refused token to a login prompt.
  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token() },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.status === 401) { throw new Error("令牌无效或已过期，请重新登录"); }
        if (!response.ok && !body.data) {
          throw new Error((body.errors && body.errors[0] && body.errors[0].message) || response.statusText);
        }
        return body;
      });
    });
  }

  function forbidden(body) {
    return (body.errors || []).some(function (e) {
      return e.extensions && e.extensions.code === "FORBIDDEN";
    });
  }

  function firstError(body) {
    return body.errors && body.errors.length ? body.errors[0].message : null;
  }

  function showCard(id, minor, amount) {
    var card = $(id);
    card.dataset.amount = amount;
    card.querySelector(".big").textContent = M.short(minor);
    card.querySelector(".exact").textContent = M.exact(minor) + " 元";
  }

  function hideCard(id, text) {
    var card = $(id);
    card.dataset.amount = "";
    card.querySelector(".big").textContent = "—";
    card.querySelector(".exact").textContent = text;
  }

  function chart(id) {
    if (!charts[id]) { charts[id] = echarts.init($(id)); }
    return charts[id];
  }

  function moneyTooltip(params) {
    return [params[0].axisValueLabel].concat(params.map(function (p) {
      return p.marker + p.seriesName + "：" + M.exact(p.data.minor) + " 元";
    })).join("<br/>");
  }

  function bars(id, labels, series) {
    chart(id).setOption({
      animation: false, // a chart is complete when drawn (and so is its screenshot)
      tooltip: { trigger: "axis", formatter: moneyTooltip },
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 50, bottom: labels.length > 6 ? 110 : 40 },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: "万元" },
      series: series.map(function (s) {
        return {
          name: s.name, type: s.type || "bar",
          data: s.minor.map(function (m) { return { value: M.wan(m), minor: m }; }),
        };
      }),
    }, true);
  }

  // -- sections ---------------------------------------------------------------

  var HEADLINE = "query Headline($asOf: Date!, $policy: String) {" +
    " scheme: loanStatistics(asOf: $asOf, policyCode: $policy) { totals {" +
    "   creditGranted { amount minorUnits } disbursed { amount minorUnits } } }" +
    " all: loanStatistics(asOf: $asOf) { totals { compensationPaid { amount minorUnits } } } }";

  function headline(asOf, policy) {
    return gql(HEADLINE, { asOf: asOf, policy: policy }).then(function (body) {
      var d = body.data;
      if (!d) { throw new Error(firstError(body)); }
      var t = d.scheme.totals;
      showCard("card-credit", M.fen(t.creditGranted), t.creditGranted.amount);
      showCard("card-disbursed", M.fen(t.disbursed), t.disbursed.amount);
      var paid = d.all.totals.compensationPaid;
      showCard("card-paid", M.fen(paid), paid.amount);
    });
  }

  var FUNDS = "query Funds($asOf: Date!) {" +
    " reserve: accounts(book: \"ZKD_RESERVE\", asOf: $asOf, first: 100) { nodes { code naturalBalance { amount minorUnits } } }" +
    " pool: accounts(book: \"CITY_POOL\", asOf: $asOf, first: 100) { nodes { code naturalBalance { amount minorUnits } } }" +
    " cash: poolStatistics(asOf: $asOf) { poolCash { amount minorUnits } } }";

  // Leaf accounts only: a parent's balance may or may not roll its children up.
  function leaves(nodes) {
    return nodes.filter(function (n) {
      return !nodes.some(function (o) { return o.code !== n.code && o.code.indexOf(n.code) === 0; });
    });
  }

  function funds(asOf) {
    return gql(FUNDS, { asOf: asOf }).then(function (body) {
      if (forbidden(body) || !body.data) {
        ["card-reserve", "card-pool-capital", "card-pool-cash"].forEach(function (id) {
          hideCard(id, "本角色无权查看资金账簿");
        });
        return;
      }
      showCard("card-pool-cash", M.fen(body.data.cash.poolCash), body.data.cash.poolCash.amount);
      var allocation = body.data.reserve.nodes.filter(function (n) { return n.code === "300101"; })[0];
      if (allocation) {
        showCard("card-reserve", M.fen(allocation.naturalBalance), allocation.naturalBalance.amount);
      }
      // The pool's capital: what was allocated to it and transferred into it (class 3).
      var capital = leaves(body.data.pool.nodes).filter(function (n) { return n.code.charAt(0) === "3"; })
        .reduce(function (sum, n) { return sum + M.fen(n.naturalBalance); }, 0n);
      showCard("card-pool-capital", capital, M.exact(capital).replace(/,/g, ""));
    });
  }

  function monthEnds(asOf) {
    var dates = [];
    var year = SCHEME_START.year;
    var month = SCHEME_START.month;
    for (;;) {
      var last = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
      if (last >= asOf) { dates.push(asOf); break; }
      dates.push(last);
      month += 1;
      if (month > 12) { month = 1; year += 1; }
    }
    return dates;
  }

  function cashSeries(asOf) {
    var dates = monthEnds(asOf);
    var requests = [];
    for (var start = 0; start < dates.length; start += ALIASES_PER_REQUEST) {
      var chunk = dates.slice(start, start + ALIASES_PER_REQUEST);
      var params = chunk.map(function (_, i) { return "$d" + i + ": Date!"; }).join(", ");
      var fields = chunk.map(function (_, i) {
        return "m" + i + ": poolStatistics(asOf: $d" + i + ") { poolCash { minorUnits } reserveCash { minorUnits } }";
      }).join(" ");
      var variables = {};
      chunk.forEach(function (d, i) { variables["d" + i] = d; });
      requests.push(gql("query Cash(" + params + ") { " + fields + " }", variables));
    }
    return Promise.all(requests).then(function (bodies) {
      if (bodies.some(forbidden)) {
        $("chart-cash").textContent = "本角色无权查看资金池现金";
        return;
      }
      var answers = bodies.map(function (body) {
        if (!body.data) { throw new Error(firstError(body)); }
        return body.data;
      });
      var pool = [];
      var reserve = [];
      answers.forEach(function (data) {
        Object.keys(data).sort(function (a, b) { return Number(a.slice(1)) - Number(b.slice(1)); })
          .forEach(function (key) {
            pool.push(BigInt(data[key].poolCash.minorUnits));
            reserve.push(BigInt(data[key].reserveCash.minorUnits));
          });
      });
      bars("chart-cash", dates.map(function (d) { return d.slice(0, 7); }), [
        { name: "资金池现金", type: "line", minor: pool },
        { name: "准备金现金", type: "line", minor: reserve },
      ]);
    });
  }

  var BREAKDOWN = "query Breakdown($asOf: Date!, $policy: String) {" +
    " byInstitution: loanStatistics(asOf: $asOf, policyCode: $policy, groupBy: INSTITUTION) {" +
    "   rows { label creditGranted { minorUnits } disbursed { minorUnits } } }" +
    " byMonth: loanStatistics(asOf: $asOf, policyCode: $policy, bucket: MONTH) {" +
    "   rows { bucket creditGranted { minorUnits } disbursed { minorUnits } } } }";

  function breakdown(asOf, policy) {
    return gql(BREAKDOWN, { asOf: asOf, policy: policy }).then(function (body) {
      if (!body.data) { throw new Error(firstError(body)); }
      [["chart-institution", body.data.byInstitution.rows, "label"],
       ["chart-month", body.data.byMonth.rows, "bucket"]].forEach(function (spec) {
        var rows = spec[1];
        bars(spec[0], rows.map(function (r) { return r[spec[2]] || "其他机构"; }), [
          { name: "授信", minor: rows.map(function (r) { return M.fen(r.creditGranted); }) },
          { name: "放款", minor: rows.map(function (r) { return M.fen(r.disbursed); }) },
        ]);
      });
    });
  }

  function claims() {
    var fields = CLAIM_STATES.map(function (s) {
      return s[0].toLowerCase() + ": claims(state: " + s[0] + ", first: 1) { totalCount }";
    }).join(" ");
    return gql("query ClaimStates { " + fields + " }").then(function (body) {
      if (!body.data) { throw new Error(firstError(body)); }
      var counts = CLAIM_STATES.map(function (s) { return body.data[s[0].toLowerCase()].totalCount; });
      $("chart-claims").dataset.counts = JSON.stringify(counts);
      chart("chart-claims").setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: CLAIM_STATES.map(function (s) { return s[1]; }) },
        yAxis: { type: "value", name: "件", minInterval: 1 },
        series: [{ name: "理赔", type: "bar", data: counts, label: { show: true, position: "top" } }],
      }, true);
    });
  }

  var WARNINGS = "query Warnings($asOf: Date!) {" +
    " warnings(asOf: $asOf) { kind message institutionId }" +
    " institutions(first: 100) { nodes { databaseId name } } }";

  function warnings(asOf) {
    return gql(WARNINGS, { asOf: asOf }).then(function (body) {
      if (!body.data) { throw new Error(firstError(body)); }
      var names = {};
      body.data.institutions.nodes.forEach(function (i) { names[i.databaseId] = i.name; });
      var tbody = $("warnings").querySelector("tbody");
      tbody.textContent = "";
      body.data.warnings.forEach(function (w) {
        var row = document.createElement("tr");
        [WARNING_KINDS[w.kind] || w.kind,
         w.institutionId == null ? "—" : (names[w.institutionId] || String(w.institutionId)),
         w.message].forEach(function (text) {
          var cell = document.createElement("td");
          cell.textContent = text; // textContent: the API's text is never markup
          row.appendChild(cell);
        });
        tbody.appendChild(row);
      });
      if (!body.data.warnings.length) {
        var empty = document.createElement("tr");
        empty.innerHTML = "<td colspan=\"3\">无预警</td>";
        tbody.appendChild(empty);
      }
    });
  }

  // -- page ------------------------------------------------------------------

  function showWho() {
    var t = token();
    if (!t) { $("who").textContent = "未登录"; return; }
    try {
      var claims = JSON.parse(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      $("who").textContent = (ROLES[claims.role] || claims.role) +
        (claims.institution_id ? "（机构 " + claims.institution_id + "）" : "") + " · " + claims.sub;
    } catch (e) {
      $("who").textContent = "令牌格式无法识别";
    }
  }

  function refresh() {
    showWho();
    if (!token()) {
      setStatus("请先输入令牌或登录");
      document.body.dataset.state = "no-token";
      return Promise.resolve();
    }
    var asOf = $("as-of").value || beijingToday();
    var policy = $("policy").value || null;
    var url = new URL(window.location.href);
    url.searchParams.set("asOf", asOf);
    if (policy) { url.searchParams.set("policy", policy); } else { url.searchParams.delete("policy"); }
    window.history.replaceState(null, "", url);
    document.body.dataset.state = "loading";
    setStatus("加载中…");
    return Promise.all([
      headline(asOf, policy), funds(asOf), cashSeries(asOf), breakdown(asOf, policy), claims(), warnings(asOf),
    ]).then(function () {
      setStatus("数据截至 " + asOf);
      document.body.dataset.state = "ready";
    }, function (error) {
      setStatus("加载失败：" + error.message);
      document.body.dataset.state = "error";
    });
  }

  function login(newToken) {
    window.localStorage.setItem(TOKEN_KEY, newToken.trim().replace(/^Bearer\s+/i, ""));
    return refresh();
  }

  function devLogin() {
    var role = $("dev-role").value;
    var institution = $("dev-institution").value;
    var payload = { role: role };
    if (role === "institution") { payload.institutionId = Number(institution); }
    return fetch("/dashboard/dev-login", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.errors[0].message); }
        return login(body.token);
      });
    }).catch(function (error) { setStatus("登录失败：" + error.message); });
  }

  var params = new URLSearchParams(window.location.search);
  $("as-of").value = params.get("asOf") || beijingToday();
  $("policy").value = params.get("policy") || "";
  if (document.body.dataset.devLogin === "true") { $("dev-login").hidden = false; }
  $("use-token").addEventListener("click", function () { login($("token").value); });
  $("dev-login-button").addEventListener("click", devLogin);
  $("logout").addEventListener("click", function () {
    window.localStorage.removeItem(TOKEN_KEY);
    refresh();
  });
  $("refresh").addEventListener("click", refresh);
  $("as-of").addEventListener("change", refresh);
  $("policy").addEventListener("change", refresh);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
  refresh();
})();
