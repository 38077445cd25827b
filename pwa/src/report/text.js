// The public page's words: Chinese first, English on request (kept in localStorage, as the staff app does).
// A key is the Chinese text itself; test/report.test.js fails on any key used without an English entry.
import { lang, setLang, translator } from '../lang.js';

export const EN = {
  随手拍: 'Report a problem',
  '看到不文明现象？拍下来告诉我们，我们交给责任单位处理。':
    'Seen something that needs fixing? Take a photo and tell us: we pass it to the unit responsible.',
  照片: 'Photos', '拍照或选照片（1–4 张）': 'Take or choose photos (1–4)', 删除照片: 'Remove photo',
  '最多 4 张照片': 'At most 4 photos', 正在处理照片: 'Preparing the photo…', 无法读取该照片: 'This photo cannot be read',
  位置: 'Location', 定位中: 'Locating…', '手机定位（±{m} 米）': 'From the phone (±{m} m)',
  '地图选点（±{m} 米）': 'Picked on the map (±{m} m)', 无法定位: 'No position from the phone',
  '定位不准，请在地图上选点': 'The position is rough: better pick the place on the map', 用我的位置: 'Use my location',
  在地图上选点: 'Pick on the map', 收起地图: 'Close the map', 点地图标出问题所在的位置: 'Tap the map where the problem is',
  '点地图放大，再点一下标出问题所在的位置': 'Tap the map to zoom in, then tap where the problem is',
  '地图暂不可用，请用手机定位': 'The map is not available: use your location', 地图: 'Map',
  问题类型: 'What kind of problem', '暂时无法获取问题类型，请联网后刷新': 'The list of problems cannot be loaded: reload when online',
  问题描述: 'Description', '选填，最多 500 字': 'optional, at most 500 characters', 联系电话: 'Phone',
  '选填，只有工作人员能看到，用于回复您': 'optional: only staff see it, to answer you', 提交: 'Send',
  请至少添加一张照片: 'Add at least one photo', 请先定位或在地图上选点: 'Locate yourself or pick the place on the map first',
  请选择问题类型: 'Choose what kind of problem it is', '问题描述最多 500 字': 'The description has at most 500 characters',
  电话号码格式不对: 'That phone number does not look right',
  '手机存储空间不足，无法保存': 'The phone has no room to keep the report',
  // Sending
  '已保存在本机，联网后自动发送': 'Saved on this phone: it is sent when the network is back',
  正在发送: 'Sending…', '发送未成功，稍后自动重试': 'Not sent yet: trying again shortly', 已提交: 'Sent',
  查询码: 'Tracking code', 复制: 'Copy', 已复制: 'Copied', 查看处理进度: 'See how it is handled', 再报一件: 'Report another',
  '请记下查询码，凭它查看处理进度。': 'Keep this code: it shows how your report is handled.',
  重试: 'Try now', 发送失败: 'It could not be sent', 放弃这件: 'Discard it', 找不到这件上报: 'This report is not on this phone',
  网络不可用: 'No network', '网络中断，未收到完整的回复': 'The connection broke mid-reply',
  服务器返回了非预期的内容: 'The server gave an unexpected answer',
  // Mine and lookup
  我的上报: 'My reports', 等待发送: 'waiting to be sent', 未能发送: 'not sent', 查询进度: 'Check a report',
  输入查询码: 'Tracking code', 查询: 'Look up',
  // Status
  处理进度: 'Progress', 已收到: 'Received', 已受理: 'Accepted', 已整改: 'Fixed', 提交时间: 'Sent on',
  整改后照片: 'After the fix', 未受理原因: 'Why it was not accepted', 查询码不存在: 'No report has this code',
  刷新: 'Refresh', 返回: 'Back', '暂时无法查询，请稍后再试': 'Cannot look it up now: try again later',
};

export { lang, setLang };
export const t = translator(EN);

/** The server's two texts (message, message_en), or ours (a key). */
export const said = (error) => (lang === 'en' && error?.message_en) || t(error?.message || '网络不可用');
