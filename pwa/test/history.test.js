// A ticket's history in people's words, and the links that take a liaison there.
import { beforeAll, describe, expect, it, vi } from 'vitest';

let historyLines;
let amapUrl;
let geoUrl;
let distanceText;
beforeAll(async () => {
  // i18n.js reads the chosen language from localStorage when it loads.
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  ({ historyLines } = await import('../src/views/history.js'));
  ({ amapUrl, geoUrl, distanceText } = await import('../src/place.js'));
});

const inspector = { username: 'insp13', display_name: '何志强', role: 'inspector' };
const liaison = { username: 'zhzf1', display_name: '徐志强', role: 'bureau' };
const event = (action, actor, fields = {}) => ({ at: '2026-12-07T11:44:00Z', action, actor, payload: {}, ...fields });
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('historyLines', () => {
  const events = [
    event('created', inspector, { from_status: null, to_status: 'incomplete', payload: { photos: 2 } }),
    event('photo_received', inspector, { from_status: 'incomplete', to_status: 'incomplete',
                                         payload: { photo_id: '91c9442f-d94e-1d43-24b1-c2498f789849' } }),
    event('photo_received', inspector, { from_status: 'incomplete', to_status: 'incomplete' }),
    event('dispatched', inspector, { from_status: 'incomplete', to_status: 'dispatched',
                                     payload: { bureau_code: 'zhzf', reason: '规则 #2: 人行道乱停车 → 综合执法局' } }),
    event('accept', liaison, { from_status: 'dispatched', to_status: 'accepted' }),
    event('photo_received', liaison, { from_status: 'accepted', to_status: 'accepted', payload: { kind: 'after' } }),
    event('rectify', liaison, { from_status: 'accepted', to_status: 'rectified',
                                payload: { note: '车辆已移走', photo_ids: ['c268b02c-69ce-4f8a-9bbe-c2e1abf8eed4'] } }),
    event('verify', { ...inspector }, { from_status: 'rectified', to_status: 'closed',
                                        payload: { result: 'pass', note: '相机时间有误', flags_acknowledged: ['gps_far'] } }),
    event('overdue', null, { from_status: 'closed', to_status: 'closed' }),
  ];
  let lines;
  beforeAll(() => { lines = historyLines(events); });

  it('counts photo arrivals on the capture or the action they came with, never as lines of their own', () => {
    expect(lines.map((line) => line.text)).toEqual([
      '上报 · 照片已上传 2 张',
      '派遣 → 已交办 · 规则 #2: 人行道乱停车 → 综合执法局',
      '签收 → 整改中',
      '提交整改 → 待核查 · 照片已上传 1 张 · 车辆已移走',
      '核查通过 → 已销号 · 已确认照片疑点 · 相机时间有误',
      '已超期',
    ]);
  });

  it('names people and never shows an internal state, a code or an id', () => {
    expect(lines.map((line) => line.who)).toEqual(['何志强', '何志强', '徐志强', '徐志强', '何志强', '系统']);
    const text = lines.map((line) => `${line.who} ${line.text}`).join('\n');
    expect(text).not.toMatch(UUID);
    expect(text).not.toMatch(/照片未齐|incomplete|zhzf|gps_far/);
  });

  it('keeps photos that came with nothing else as a line', () => {
    const late = [event('accept', liaison, { from_status: 'dispatched', to_status: 'accepted' }),
                  event('photo_received', inspector, { from_status: 'accepted', to_status: 'accepted' })];
    expect(historyLines(late).map((line) => line.text)).toEqual(['签收 → 整改中', '照片已上传 1 张']);
  });
});

describe('navigation links', () => {
  it('give the phone WGS-84 and AMap GCJ-02', () => {
    expect(geoUrl(28.9, 120.02, '青溪中学')).toBe(`geo:28.9,120.02?q=28.9,120.02(${encodeURIComponent('青溪中学')})`);
    const position = new URL(amapUrl(28.9, 120.02)).searchParams.get('position').split(',').map(Number);
    // GCJ-02 lies a few hundred metres from WGS-84 in China: shifted, but not far.
    expect(Math.abs(position[0] - 120.02)).toBeGreaterThan(0.001);
    expect(Math.abs(position[0] - 120.02) + Math.abs(position[1] - 28.9)).toBeLessThan(0.02);
  });

  it('say distances as people do', () => {
    expect(distanceText(35.4)).toBe('35 m');
    expect(distanceText(1534)).toBe('1.5 km');
    expect(distanceText(9145735)).toBe('9146 km');
  });
});
