// Draws the dashboards' charts with Chart.js (vendor/chartjs) from each canvas's data-chart JSON, which the
// server writes next to a table of the same figures. Without this script (or without Chart.js) the chart boxes
// stay hidden and the tables carry the page.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var Chart = window.Chart;

  var COLOURS = {
    regular: "#0d6efd", makeup: "#fd7e14", attendance: "#198754",
    mean: "#0d6efd", pass: "#198754", below: "#dc3545", above: "#198754", line: "#212529"
  };
  var ROW_HEIGHT = 34;  // px per group in a horizontal bar chart

  function alpha(hex, opacity) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + opacity + ")";
  }

  function notesCallback(data) {
    return function (item) {
      var notes = data.datasets[item.datasetIndex].notes;
      return notes ? notes[item.dataIndex] : "";
    };
  }

  // A dashed vertical line at the pass mark (a percentage of the histogram's 0–100 axis).
  var passMarkLine = {
    id: "passMarkLine",
    afterDatasetsDraw: function (chart, _args, options) {
      if (options.percent === null || options.percent === undefined) { return; }
      var x = chart.scales.x;
      var area = chart.chartArea;
      var at = x.left + (x.right - x.left) * Math.min(options.percent, 100) / 100;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = COLOURS.line;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(at, area.top);
      ctx.lineTo(at, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = COLOURS.line;
      ctx.font = "12px system-ui, sans-serif";
      var text = options.label || "";
      var width = ctx.measureText(text).width;
      ctx.textAlign = at + width + 6 > area.right ? "right" : "left";
      ctx.fillText(text, ctx.textAlign === "right" ? at - 4 : at + 4, area.top + 12);
      ctx.restore();
    }
  };

  function histogram(data) {
    var pass = data.passMark;
    var colours = data.labels.map(function (_label, index) {
      var top = index * 10 + 10;
      return alpha(pass !== null && top <= pass ? COLOURS.below : COLOURS.above, 0.75);
    });
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.datasets[0].label, data: data.datasets[0].data, backgroundColor: colours,
                     categoryPercentage: 1.0, barPercentage: 0.95 }]
      },
      options: {
        plugins: {
          legend: { display: false },
          passMarkLine: { percent: pass, label: data.passMarkLabel }
        },
        scales: {
          x: { title: { display: true, text: data.xTitle } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.yTitle } }
        }
      },
      plugins: [passMarkLine]
    };
  }

  function rates(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          return { label: set.label, data: set.data, notes: set.notes,
                   backgroundColor: alpha(COLOURS[set.role] || COLOURS.regular, 0.8) };
        })
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: data.datasets.length > 1, position: "bottom" },
          tooltip: { callbacks: { afterLabel: notesCallback(data) } }
        },
        scales: {
          x: { min: 0, max: 100, title: { display: true, text: data.xTitle } },
          y: { ticks: { autoSkip: false } }
        }
      }
    };
  }

  function trend(data) {
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          var colour = COLOURS[set.role] || COLOURS.regular;
          return { label: set.label, data: set.data, notes: set.notes, borderColor: colour,
                   backgroundColor: colour, tension: 0, pointRadius: 4, spanGaps: true };
        })
      },
      options: {
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { afterLabel: notesCallback(data) } }
        },
        scales: { y: { min: 0, max: 100, title: { display: true, text: data.yTitle } } }
      }
    };
  }

  var BUILDERS = { histogram: histogram, rates: rates, trend: trend };

  function draw(canvas) {
    var data;
    try {
      data = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (error) {
      return;
    }
    var build = BUILDERS[data.kind];
    if (!build) { return; }
    var box = canvas.parentElement;
    box.classList.add("chart-ready");
    if (data.kind === "rates") {
      // One row per group: the box grows with the number of stations, teams or batches.
      box.style.height = Math.max(160, data.labels.length * ROW_HEIGHT * Math.max(1, data.datasets.length * 0.7) + 90) + "px";
    }
    var config = build(data);
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    new Chart(canvas, config);
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas.dash-chart[data-chart]"), draw);
}());
