/** Types for the parts of nsyslog-parser (plain JavaScript, no types of its own) that nsyslog-header.ts reads. */
declare module 'nsyslog-parser' {
  interface NsyslogEntry {
    err?: unknown;
    pri?: string;
    prival?: number;
    facilityval?: number;
    levelval?: number;
    type?: 'RFC5424' | 'BSD' | 'UNKNOWN' | 'CEF' | 'LEEF';
    ts?: Date;
    host?: string;
    appName?: string;
    pid?: string;
    messageid?: string;
    message?: string;
    header?: string;
  }
  function parse(line: string, options?: { cef?: boolean; leef?: boolean; fields?: boolean; pid?: boolean; generateTimestamp?: boolean }): NsyslogEntry;
  export = parse;
}
