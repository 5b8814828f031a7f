// Permission strings (docs/access_model.md): the management permissions the console offers as
// a helper when editing capabilities and scopes, and a local check of the syntax that mirrors
// src/domain/permission.cc (the server stays the judge; this only warns early).

/** latchkey's own permissions, by resource: [action, what it allows]. */
export const MANAGEMENT_RESOURCES = [
  ['keys', [['read', 'see keys and their usage'], ['create', 'create keys'],
            ['update', 'change and roll keys'], ['revoke', 'disable, enable, revoke keys'],
            ['delete', 'delete keys'], ['*', 'everything on keys']]],
  ['principals', [['read', 'see users and service accounts'],
                  ['write', 'create, change, disable, delete them'], ['*', 'everything on principals']]],
  ['groups', [['read', 'see groups'], ['write', 'create and change groups and members'],
              ['*', 'everything on groups']]],
  ['namespaces', [['read', 'see namespaces'], ['write', 'create and change namespaces'],
                  ['*', 'everything on namespaces']]],
  ['audit', [['read', 'read the audit log']]],
];

export const MANAGEMENT_PERMISSIONS = [
  ...MANAGEMENT_RESOURCES.flatMap(([resource, actions]) =>
    actions.map(([action, text]) => ({ value: `${resource}:${action}`, text }))),
  { value: '*', text: 'everything the holder has' },
];

const SEGMENT = /^[A-Za-z0-9_./-]+$/;

/** "" when `p` is a well-formed permission string, else why not. */
export function permissionProblem(p) {
  if (p === '*' || p === 'All') return '';
  if (p.length > 256) return 'longer than 256 characters';
  const segments = p.split(':');
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    let s = segments[i];
    if (last && s.endsWith('*')) s = s.slice(0, -1);
    if (s === '' && !(last && segments[i].endsWith('*') && i > 0)) {
      return 'empty part: write resource:action[:target]';
    }
    if (s !== '' && !SEGMENT.test(s)) {
      return s.includes('*') ? '* may only end the last part'
                             : 'use letters, digits and _ . / - only';
    }
  }
  return '';
}
