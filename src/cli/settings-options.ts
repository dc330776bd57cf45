// Commander options generated from the settings table (src/nas/settings.ts): each flag's parser
// and help come from the setting's one declaration, so a new hyperparameter needs no CLI code.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseSettingText, type Setting } from '../nas/settings.js';

/** Parses a flag's text and validates it with the setting's schema; errors name what was expected. */
export function settingParser(s: Setting): (text: string) => unknown {
  return (text) => {
    const value = parseSettingText(s, text);
    const r = s.schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`${r.error.issues[0]?.message ?? 'invalid value'}, got '${text}'.`);
    return r.data;
  };
}

/** Adds one option per CLI-visible setting (booleans get --x and --no-x); returns flag → config key. */
export function addSettingOptions(cmd: Command, settings: Record<string, Setting>, defaultsNote: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [key, s] of Object.entries(settings)) {
    if (!s.flag) continue;
    const choices = s.choices ? ` (${s.choices.join(', ')})` : '';
    if (s.kind === 'bool') {
      const on = new Option(`--${s.flag}`, s.help);
      const off = new Option(`--no-${s.flag}`, `turn --${s.flag} off`);
      cmd.addOption(on).addOption(off);
      attributes.set(on.attributeName(), key);
    } else {
      const opt = new Option(`--${s.flag} ${s.placeholder ?? '<value>'}`, `${s.help}${choices}`).argParser(settingParser(s));
      cmd.addOption(opt);
      attributes.set(opt.attributeName(), key);
    }
  }
  cmd.addHelpText('after', `\n${defaultsNote}`);
  return attributes;
}

/** The config overrides the user gave on the command line (flags left out stay undefined). */
export function settingOverrides(cmd: Command, attributes: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [attr, key] of attributes) {
    const v = cmd.getOptionValue(attr);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
