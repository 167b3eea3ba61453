// What Grafana shows for a panel, by Grafana's own rules (@grafana/data 12.3.0).
//
// Reads {timeZone, variables, panels: [{panel, frames}]} as JSON on stdin and writes to the
// file named by its argument, for each panel, what a person sees: a stat panel's values
// (title, text, colour), a gauge's too with the range its arc spans (min, max), a table's
// visible columns and cells (text, colour, links). The frames are what the data source
// answered.
//
// Outside Grafana the registry of standard field options is empty (the app fills it), so
// this registers the standard options as Grafana's app defines them (id, path, processor,
// default, which fields they apply to) and the custom options of the panels used here.
require('global-jsdom/register');
const gd = require('@grafana/data');

function standardOptions() {
  const all = () => true;
  const numeric = (f) => f.type === gd.FieldType.number;
  const item = (id, process, shouldApply = all, extra = {}) => ({
    id, path: id, name: id, process, shouldApply, override: null, editor: null, ...extra,
  });
  return [
    item('unit', gd.stringOverrideProcessor),
    item('min', gd.numberOverrideProcessor, numeric),
    item('max', gd.numberOverrideProcessor, numeric),
    item('decimals', gd.numberOverrideProcessor, numeric),
    item('displayName', gd.displayNameOverrideProcessor),
    item('color', gd.identityOverrideProcessor),
    item('noValue', gd.stringOverrideProcessor),
    item('links', gd.dataLinksOverrideProcessor),
    item('mappings', gd.valueMappingsOverrideProcessor, (f) => f.type !== gd.FieldType.time, { defaultValue: [] }),
    item('thresholds', gd.thresholdsOverrideProcessor, all, {
      defaultValue: {
        mode: gd.ThresholdsMode.Absolute,
        steps: [{ value: -Infinity, color: 'green' }, { value: 80, color: 'red' }],
      },
    }),
  ];
}

function customOptions(panelType) {
  const names = panelType === 'table' ? ['hidden', 'align', 'cellOptions', 'width', 'filterable'] : [];
  return names.map((name) => ({
    id: `custom.${name}`, path: name, name, isCustom: true, process: gd.identityOverrideProcessor,
    shouldApply: () => true, override: null, editor: null,
  }));
}

function registry(panelType) {
  const reg = new gd.FieldConfigOptionsRegistry();
  for (const option of [...standardOptions(), ...customOptions(panelType)]) {
    reg.register(option);
  }
  return reg;
}

// Grafana's "uriencode" variable format (scenes' formatRegistry): encodeURI, and !'()* too.
function encodeURIStrict(text) {
  return encodeURI(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Grafana's template service, for what the panels' links use: ${name} and, of the row
// linked, ${__data.fields.name} (SQL is expanded by the Python side, grafana_sql.py).
function replacer(variables) {
  return (text, scopedVars, format) => text.replace(/\$\{([^}:]+)(?::(\w+))?\}/g, (whole, name) => {
    let value;
    const row = scopedVars && scopedVars.__dataContext && scopedVars.__dataContext.value;
    if (name.startsWith('__data.fields.') && row) {
      const field = row.frame.fields.find((f) => f.name === name.slice('__data.fields.'.length));
      value = field ? field.values[row.rowIndex] : undefined;
    } else if (name in variables) {
      value = variables[name];
    }
    if (value === undefined) {
      return whole;
    }
    return format === 'uriencode' ? encodeURIStrict(String(value)) : String(value);
  });
}

function frames(raw) {
  return raw.map((frame) => gd.createDataFrame({
    refId: frame.refId,
    fields: frame.fields.map((f) => ({
      name: f.name, type: f.type, values: f.values, labels: f.labels, config: f.config || {},
    })),
  }));
}

function colorOf(theme, color) {
  return color ? theme.visualization.getColorByName(color) : null;
}

function showStat(panel, data, ctx) {
  const values = gd.getFieldDisplayValues({
    fieldConfig: panel.fieldConfig, reduceOptions: panel.options.reduceOptions, replaceVariables: ctx.replace,
    theme: ctx.theme, data, timeZone: ctx.timeZone,
  });
  return {
    kind: 'stat',
    values: values.map((v) => ({
      title: v.display.title, text: gd.formattedValueToString(v.display), color: colorOf(ctx.theme, v.display.color),
    })),
  };
}

// A gauge shows each value as a stat does, on an arc from the field's min to its max: those
// of its config, else the smallest and largest numbers of the panel's data (applyFieldOverrides).
function showGauge(panel, data, ctx) {
  const values = gd.getFieldDisplayValues({
    fieldConfig: panel.fieldConfig, reduceOptions: panel.options.reduceOptions, replaceVariables: ctx.replace,
    theme: ctx.theme, data, timeZone: ctx.timeZone,
  });
  return {
    kind: 'gauge',
    values: values.map((v) => ({
      title: v.display.title, text: gd.formattedValueToString(v.display), color: colorOf(ctx.theme, v.display.color),
      min: v.field.min, max: v.field.max,
    })),
  };
}

function showTable(panel, data, ctx) {
  const [frame] = data;
  const fields = frame.fields.filter((f) => !(f.config.custom && f.config.custom.hidden));
  const colored = (f) => ['color-background', 'color-text'].includes(f.config.custom?.cellOptions?.type);
  const rows = [];
  for (let i = 0; i < frame.length; i++) {
    rows.push(fields.map((f) => {
      const shown = f.display(f.values[i]);
      const links = f.getLinks ? f.getLinks({ valueRowIndex: i }).map((l) => ({ title: l.title, href: l.href })) : [];
      return { text: gd.formattedValueToString(shown), color: colored(f) ? colorOf(ctx.theme, shown.color) : null, links };
    }));
  }
  return { kind: 'table', columns: fields.map((f) => gd.getFieldDisplayName(f, frame, data)), rows };
}

// What Grafana does when it loads a panel (PanelPlugin.fieldConfigDefaults, merged under
// the panel's own defaults): an option the panel leaves out takes the option's default, so
// thresholds left out are green, red from 80.
function withPluginDefaults(fieldConfig, reg) {
  const defaults = { ...fieldConfig.defaults };
  for (const option of reg.list()) {
    if (option.defaultValue !== undefined && !option.isCustom && defaults[option.path] === undefined) {
      defaults[option.path] = option.defaultValue;
    }
  }
  return { ...fieldConfig, defaults };
}

function show(request) {
  const theme = gd.createTheme();
  const ctx = { theme, timeZone: request.timeZone, replace: replacer(request.variables) };
  return request.panels.map(({ panel: saved, frames: raw }) => {
    const reg = registry(saved.type);
    const panel = { ...saved, fieldConfig: withPluginDefaults(saved.fieldConfig, reg) };
    const data = gd.applyFieldOverrides({
      data: frames(raw), fieldConfig: panel.fieldConfig, fieldConfigRegistry: reg,
      replaceVariables: ctx.replace, theme, timeZone: ctx.timeZone,
    });
    if (panel.type === 'stat') return showStat(panel, data, ctx);
    if (panel.type === 'gauge') return showGauge(panel, data, ctx);
    if (panel.type === 'table') return showTable(panel, data, ctx);
    throw new Error(`no display rules for panel type ${panel.type}`);
  });
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  // A file, not stdout: a dependency prints a banner to stdout when it loads.
  require('fs').writeFileSync(process.argv[2], JSON.stringify(show(JSON.parse(input))));
});
