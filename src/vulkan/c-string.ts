/**
 * Fixed-size C strings from a driver (deviceName, driverName, driverInfo, extensionName:
 * char[256]). The specification says each holds a NUL-terminated UTF-8 string; a driver
 * nobody has seen may fill the array to the last byte. Reading stops at the array's end
 * either way, and the caller learns whether the terminator was there.
 */

export interface DecodedCString {
  /** The bytes up to the first NUL (or the whole array), as UTF-8; bad bytes become U+FFFD. */
  text: string;
  /** False when the array holds no NUL: `text` is then cut at the array's size. */
  terminated: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeCString(bytes: Uint8Array): DecodedCString {
  const end = bytes.indexOf(0);
  const terminated = end >= 0;
  return { text: utf8.decode(bytes.subarray(0, terminated ? end : bytes.length)), terminated };
}
