// The admin dashboard: listens to the dashboard.* topics over the event bus bridge, looks orders up over the HTTP API,
// and sends the admin commands over the bridge with the operator's token. Plain browser JavaScript, no build step.
(function () {
  'use strict';

  var TOKEN_KEY = 'kilosail.adminToken';
  var CHART_POINTS = 120;
  var ENDED_SAGA = { COMPLETED: true, COMPENSATED: true, FAILED: true };

  var $ = function (id) { return document.getElementById(id); };
  var eb = null;
  var history = [];          // throughput points for the chart: {pushed, delivered}
  var openOrder = null;      // the order shown in the search panel: {orderId, sagaId}
  var refreshTimer = null;
  var lookups = 0;           // the newest order lookup wins: an older answer arriving late is dropped

  // ------------------------------------------------------------------ formatting

  function text(id, value) { $(id).textContent = value === null || value === undefined ? '–' : value; }
  function number(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); }
  function fen(n) { return n === null || n === undefined ? '–' : '¥' + (n / 100).toFixed(2); }
  function time(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : ''; }
  function cell(row, value, cls) {
    var td = row.insertCell();
    td.textContent = value === null || value === undefined ? '–' : value;
    if (cls) { td.className = cls; }
    return td;
  }
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }

  // ------------------------------------------------------------------ token

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  // The roles the token carries (claim "roles"), read from its payload only to hide what it may not do: the server
  // checks the signature and the roles of every request and command, whatever the page shows.
  function roles() {
    try {
      var part = token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
      return Array.isArray(claims.roles) ? claims.roles : [];
    } catch (e) {
      return [];
    }
  }
  function may(role) { return roles().indexOf(role) >= 0; }

  function showTokenStatus() {
    var held = roles();
    text('token-status', !token() ? 'no token: actions will be refused'
      : 'token set for this tab, roles: ' + (held.length ? held.join(', ') : 'none (actions will be refused)'));
    // Orders, sagas, cancel and retry are the ops role's.
    $('search-panel').hidden = !may('ops');
    document.querySelectorAll('.needs-ops').forEach(function (el) { el.hidden = !may('ops'); });
  }

  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var value = $('token').value.trim();
    if (value) { sessionStorage.setItem(TOKEN_KEY, value); } else { sessionStorage.removeItem(TOKEN_KEY); }
    $('token').value = '';
    showTokenStatus();
  });

  // ------------------------------------------------------------------ live topics

  var topics = {
    'dashboard.throughput': function (m) {
      text('pushed-total', number(m.pushedTotal));
      text('delivered-total', number(m.deliveredTotal));
      text('cancelled-total', number(m.cancelledTotal));
      text('pushed-rate', m.pushedPerSec);
      text('delivered-rate', m.deliveredPerSec);
      history.push({ pushed: m.pushedPerSec, delivered: m.deliveredPerSec });
      if (history.length > CHART_POINTS) { history.shift(); }
      drawChart();
    },
    'dashboard.orders': function (m) {
      text('in-progress', number(m.inProgress));
      var body = $('orders-by-state').tBodies[0];
      clear(body);
      var row = body.insertRow();
      cell(row, 'deliveries', 'hint');
      Object.keys(m.byState).forEach(function (state) { cell(row, state + ': ' + number(m.byState[state])); });
      if (!Object.keys(m.byState).length) { cell(row, 'none in progress', 'hint'); }
      // The shop's own checkouts before delivery: waiting for payment, paid, handed to a courier.
      var checkouts = m.checkoutsByState || {};
      var shop = body.insertRow();
      shop.id = 'checkouts-by-state';
      cell(shop, 'shop checkouts', 'hint');
      Object.keys(checkouts).forEach(function (state) { cell(shop, state + ': ' + number(checkouts[state])); });
      if (!Object.keys(checkouts).length) { cell(shop, 'none open', 'hint'); }
    },
    'dashboard.couriers': function (m) {
      var body = $('couriers').tBodies[0];
      clear(body);
      m.couriers.forEach(function (c) {
        var row = body.insertRow();
        row.id = 'courier-' + c.platform;
        cell(row, c.platform);
        cell(row, c.circuit, 'circuit-' + c.circuit);
        cell(row, c.callsPerSec);
        cell(row, c.failedPerSec);
        cell(row, number(c.failedTotal));
      });
      // Prepaid courier accounts under their threshold: dispatch skips them once they cannot pay an order.
      var low = m.lowBalances || [];
      var warning = $('low-balances');
      warning.hidden = !low.length;
      warning.textContent = low.length ? 'Low courier balance: ' + low.map(function (a) {
        return a.platform + ' ' + a.account + ' ' + fen(a.balanceFen) + ' (under ' + fen(a.lowThresholdFen) + ')';
      }).join(' · ') + ' — top up (POST /v1/admin/courier-accounts/…/top-ups)' : '';
    },
    'dashboard.quotes': function (m) {
      text('quotes-rate', m.perSec);
      text('quotes-mean', m.meanMs === null ? '–' : m.meanMs + ' ms');
      text('quotes-max', m.recentMaxMs + ' ms');
      // The share over the last interval while quotes flow; otherwise the totals since start say it.
      text('quotes-accepted', (m.acceptedShare === null ? '–' : Math.round(m.acceptedShare * 100) + ' %')
        + ' (' + number(m.quotedTotal) + ' of ' + number(m.total) + ' since start)');
    },
    'dashboard.sagas': function (m) {
      text('sagas-running', number(m.running) + ' running here');
      var body = $('sagas').tBodies[0];
      clear(body);
      m.byType.forEach(function (t) {
        var row = body.insertRow();
        cell(row, t.type); cell(row, number(t.started || 0)); cell(row, number(t.completed || 0));
        cell(row, number(t.compensated || 0)); cell(row, number(t.failed || 0));
      });
      var list = $('saga-failures');
      clear(list);
      if (!m.latestFailures.length) {
        var none = document.createElement('li');
        none.className = 'hint';
        none.textContent = 'none since this node started';
        list.appendChild(none);
      }
      m.latestFailures.forEach(function (f) {
        var li = document.createElement('li');
        li.textContent = time(f.at) + ' ' + f.type + ' ' + f.businessKey + ': ' + (f.error || '') + ' ';
        var retry = document.createElement('button');
        retry.className = 'needs-ops';
        retry.hidden = !may('ops');
        retry.textContent = 'Retry';
        retry.addEventListener('click', function () { retrySaga(f.sagaId); });
        li.appendChild(retry);
        list.appendChild(li);
      });
    },
    'dashboard.margins': function (m) {
      text('below-floor-total', number(m.belowFloorTotal) + ' since start');
      text('handed-back-total', number(m.handedBackTotal));
      var warning = $('below-floor-warning');
      warning.hidden = !m.belowFloorTotal;
      warning.textContent = m.belowFloorTotal ? number(m.belowFloorTotal)
        + ' order(s) taken below the margin floor (an allowed loss) since this node started' : '';
      var list = $('below-floor-orders');
      clear(list);
      if (!m.latestBelowFloor.length) {
        var none = document.createElement('li');
        none.className = 'hint';
        none.textContent = 'none since this node started';
        list.appendChild(none);
      }
      m.latestBelowFloor.forEach(function (o) {
        var li = document.createElement('li');
        li.className = 'below-floor';
        li.textContent = time(o.at) + ' ' + o.orderId + ' ' + o.foodPlatform + '/' + o.city + ': fee '
          + fen(o.deliveryFeeFen) + ', cheapest courier ' + fen(o.cheapestFen) + ' (rule ' + o.rule + ')';
        list.appendChild(li);
      });
    },
    'dashboard.messaging': function (m) {
      text('outbox-backlog', number(m.outboxBacklog));
      text('outbox-oldest', m.outboxOldestUnsentSeconds ? m.outboxOldestUnsentSeconds + ' s' : 'none');
      text('pushback-backlog', number(m.pushbackBacklog));
      var body = $('consumer-lag').tBodies[0];
      clear(body);
      Object.keys(m.consumerLag).forEach(function (group) {
        var row = body.insertRow();
        cell(row, group); cell(row, number(m.consumerLag[group]));
      });
    }
  };

  function connect() {
    eb = new EventBus('/eventbus');
    eb.enableReconnect(true);
    var subscribe = function () {
      $('connection').textContent = 'live';
      $('connection').className = 'status up';
      Object.keys(topics).forEach(function (address) {
        eb.registerHandler(address, function (err, message) {
          if (!err) { topics[address](message.body); }
        });
      });
    };
    eb.onopen = subscribe;
    eb.onreconnect = subscribe;
    eb.onclose = function () {
      $('connection').textContent = 'disconnected, retrying…';
      $('connection').className = 'status down';
    };
    // The bridge's own bare "rejected" after a refused command: the command's callback already said why.
    eb.onerror = function (err) { if (window.console) { console.warn('bridge error', err); } };
  }

  // ------------------------------------------------------------------ chart

  function drawChart() {
    var canvas = $('throughput-chart');
    var ctx = canvas.getContext('2d');
    var w = canvas.width, h = canvas.height, pad = 24;
    ctx.clearRect(0, 0, w, h);
    var max = 1;
    history.forEach(function (p) { max = Math.max(max, p.pushed, p.delivered); });
    ctx.fillStyle = '#7b8794';
    ctx.font = '11px sans-serif';
    ctx.fillText(max.toFixed(1) + '/s', 2, 12);
    ctx.fillText('0', 2, h - 4);
    ctx.strokeStyle = '#e4e7eb';
    ctx.beginPath(); ctx.moveTo(pad, h - pad / 2); ctx.lineTo(w, h - pad / 2); ctx.stroke();
    [['pushed', '#2680c2'], ['delivered', '#27ab83']].forEach(function (series) {
      ctx.strokeStyle = series[1];
      ctx.lineWidth = 2;
      ctx.beginPath();
      history.forEach(function (p, i) {
        var x = pad + (w - pad) * i / (CHART_POINTS - 1);
        var y = (h - pad / 2) - (h - pad) * p[series[0]] / max;
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    });
  }

  // ------------------------------------------------------------------ order search

  function getJson(url) {
    var headers = { Accept: 'application/json' };
    // Orders and the admin API (saga steps) are read as an operator: the same token as the commands.
    if (token()) { headers.Authorization = 'Bearer ' + token(); }
    return fetch(url, { headers: headers }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.detail || body.title || ('HTTP ' + r.status)); }
        return body;
      });
    });
  }

  $('search-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var id = $('search-id').value.trim();
    var platform = $('search-platform').value.trim();
    var platformOrderId = $('search-platform-order-id').value.trim();
    var url = id ? '/v1/orders/' + encodeURIComponent(id)
      : '/v1/orders?platform=' + encodeURIComponent(platform) + '&platformOrderId=' + encodeURIComponent(platformOrderId);
    if (!id && !(platform && platformOrderId)) {
      showOrderError('give an order id, or a platform and its order id');
      return;
    }
    $('action-result').hidden = true;
    openOrder = null;
    loadOrder(url);
  });

  function showOrderError(message) {
    $('order-view').hidden = true;
    $('order-error').hidden = false;
    $('order-error').textContent = message;
    if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; }
  }

  function loadOrder(url) {
    var lookup = ++lookups;
    return getJson(url).then(function (found) {
      // A checkout of our shop carries its delivery order inside.
      var order = found.timeline ? found : (found.delivery || found);
      var orderId = order.orderId || found.orderId;
      return getJson('/v1/admin/sagas?businessKey=' + encodeURIComponent(orderId)).catch(function () { return []; })
        .then(function (sagas) { if (lookup === lookups) { showOrder(order, orderId, sagas); } });
    }).catch(function (err) { if (lookup === lookups) { showOrderError(err.message); } });
  }

  // Where the holder's rider was last reported (GCJ-02), and when: "31.230416, 121.473701 at 04:00:01Z".
  function rider(courier) {
    var r = courier && courier.rider;
    return r ? r.lat.toFixed(6) + ', ' + r.lng.toFixed(6) + (r.at ? ' at ' + r.at.substring(11) : '') : 'not reported';
  }

  function showOrder(order, orderId, sagas) {
    $('order-error').hidden = true;
    $('order-view').hidden = false;
    var saga = sagas.length ? sagas[sagas.length - 1] : null;
    openOrder = { orderId: orderId, sagaId: saga ? saga.id : null };
    $('order-summary').textContent = orderId + ' · ' + (order.platform || '') + ' ' + (order.platformOrderId || '')
      + ' · state ' + order.state
      + ' · courier ' + (order.courier ? order.courier.platform + ' ' + order.courier.orderId : 'none yet')
      + ' · rider ' + rider(order.courier)
      + ' · fee ' + fen(order.deliveryFeeFen) + ' · courier fee ' + fen(order.courierFeeFen);
    $('order-summary').dataset.state = order.state;
    var timeline = $('order-timeline');
    clear(timeline);
    (order.timeline || []).forEach(function (e) {
      var li = document.createElement('li');
      li.dataset.state = e.state;
      li.textContent = time(e.at) + ' ' + e.state + (e.source ? ' (' + e.source + ')' : '') + (e.detail ? ': ' + e.detail : '');
      timeline.appendChild(li);
    });
    var steps = $('order-saga-steps');
    clear(steps);
    text('order-saga-state', saga ? saga.sagaType + ' ' + saga.state + (saga.lastError ? ': ' + saga.lastError : '') : 'none yet');
    (saga && saga.timeline || []).forEach(function (s) {
      var li = document.createElement('li');
      li.textContent = time(s.startedAt) + ' ' + s.step + ' ' + s.phase + ' #' + s.attempt + ' ' + s.outcome
        + (s.error ? ': ' + s.error : '');
      steps.appendChild(li);
    });
    // Keep the open order live: its timeline changes as couriers call back.
    if (!refreshTimer) {
      refreshTimer = setInterval(function () {
        if (openOrder) { loadOrder('/v1/orders/' + encodeURIComponent(openOrder.orderId)); }
      }, 1000);
    }
  }

  // ------------------------------------------------------------------ actions over the bridge

  function showAction(ok, message) {
    var el = $('action-result');
    el.hidden = false;
    el.className = ok ? 'ok' : 'refused';
    el.textContent = message;
  }

  function command(address, body, what) {
    if (!eb || eb.state !== EventBus.OPEN) {
      showAction(false, what + ' refused: not connected to the bridge');
      return;
    }
    var headers = token() ? { authorization: 'Bearer ' + token() } : {};
    showAction(true, what + ': sent…');
    eb.send(address, body, headers, function (err, reply) {
      if (err) {
        showAction(false, what + ' refused: ' + (err.message || err.failureType) + (err.failureCode ? ' (' + err.failureCode + ')' : ''));
      } else {
        showAction(true, what + ' done: ' + JSON.stringify(reply.body));
      }
    });
  }

  function retrySaga(sagaId) {
    if (!sagaId) {
      showAction(false, 'retry refused: this order has no saga yet');
      return;
    }
    command('admin.sagas.retry', { sagaId: sagaId }, 'retry saga ' + sagaId);
  }

  $('retry-saga').addEventListener('click', function () { retrySaga(openOrder && openOrder.sagaId); });
  $('cancel-order').addEventListener('click', function () {
    if (!openOrder) { return; }
    command('admin.orders.cancel', { orderId: openOrder.orderId, reason: $('cancel-reason').value },
      'cancel order ' + openOrder.orderId);
  });

  showTokenStatus();
  connect();
}());
