import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createMember, deleteMember, getMember, listMembers, updateMember } from '../../services/members.js'
import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from '../../services/teams.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope } from '../schemas.js'
import { MemberView, RoleSchema, toMemberView } from '../views/member.js'
import { TeamView, toTeamView } from '../views/team.js'

const Password = Type.String({ maxLength: 200, description: 'At least 10 characters; stored with argon2.' })
const Deleted = Envelope(Type.Object({ id: Type.String({ format: 'uuid' }), deleted: Type.Boolean() }))
const MemberIds = Type.Array(Type.String({ format: 'uuid' }), { maxItems: 500, uniqueItems: true })

export const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['team']

  app.post(
    '/v1/team/members',
    {
      config: { scope: 'team:write', idempotent: true },
      schema: {
        tags,
        summary: 'Add a team member',
        description:
          'Give a password, or leave it out to get a one-time `invite_token` the member uses with POST /v1/auth/accept-invite. Only owners (or admin keys) can add owners.',
        body: Type.Object({ name: Type.String({ maxLength: 200 }), email: Type.String({ maxLength: 254 }), role: RoleSchema, password: Type.Optional(Password) }, { additionalProperties: false }),
        response: { 201: Envelope(Type.Intersect([MemberView, Type.Object({ invite_token: Type.Union([Type.String(), Type.Null()]) })])) },
      },
    },
    async (req, reply) => {
      const { member, inviteToken } = await createMember(app.deps, principalOf(req), req.body)
      return reply.code(201).send({
        message: inviteToken ? 'Member added; send them the invite token, it will not be shown again' : 'Member added',
        data: { ...toMemberView(member), invite_token: inviteToken },
      })
    },
  )

  app.get(
    '/v1/team/members',
    { config: { scope: 'team:read' }, schema: { tags, summary: 'List team members', response: { 200: ListEnvelope(MemberView) } } },
    async (req) => ({ message: 'Members retrieved', data: (await listMembers(app.deps, principalOf(req).businessId)).map(toMemberView) }),
  )

  app.get(
    '/v1/team/members/:id',
    { config: { scope: 'team:read' }, schema: { tags, summary: 'Get a team member', params: IdParams, response: { 200: Envelope(MemberView) } } },
    async (req) => ({ message: 'Member retrieved', data: toMemberView(await getMember(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.patch(
    '/v1/team/members/:id',
    {
      config: { scope: 'team:write' },
      schema: {
        tags,
        summary: 'Update a team member',
        description: 'The last owner cannot be demoted; only owners change owners. A new password signs the member out of every session.',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Type.String({ maxLength: 254 })), role: Type.Optional(RoleSchema), password: Type.Optional(Password) },
          { additionalProperties: false },
        ),
        response: { 200: Envelope(MemberView) },
      },
    },
    async (req) => ({ message: 'Member updated', data: toMemberView(await updateMember(app.deps, principalOf(req), req.params.id, req.body)) }),
  )

  app.delete(
    '/v1/team/members/:id',
    {
      config: { scope: 'team:write' },
      schema: { tags, summary: 'Remove a team member', description: 'The last owner cannot be removed.', params: IdParams, response: { 200: Deleted } },
    },
    async (req) => {
      await deleteMember(app.deps, principalOf(req), req.params.id)
      return { message: 'Member removed', data: { id: req.params.id, deleted: true } }
    },
  )

  app.post(
    '/v1/teams',
    {
      config: { scope: 'team:write', idempotent: true },
      schema: {
        tags,
        summary: 'Create a team',
        body: Type.Object({ name: Type.String({ maxLength: 200 }), member_ids: Type.Optional(MemberIds) }, { additionalProperties: false }),
        response: { 201: Envelope(TeamView) },
      },
    },
    async (req, reply) => {
      const t = await createTeam(app.deps, principalOf(req).businessId, { name: req.body.name, memberIds: req.body.member_ids })
      return reply.code(201).send({ message: 'Team created', data: toTeamView(t) })
    },
  )

  app.get(
    '/v1/teams',
    { config: { scope: 'team:read' }, schema: { tags, summary: 'List teams', response: { 200: ListEnvelope(TeamView) } } },
    async (req) => ({ message: 'Teams retrieved', data: (await listTeams(app.deps, principalOf(req).businessId)).map(toTeamView) }),
  )

  app.get(
    '/v1/teams/:id',
    { config: { scope: 'team:read' }, schema: { tags, summary: 'Get a team', params: IdParams, response: { 200: Envelope(TeamView) } } },
    async (req) => ({ message: 'Team retrieved', data: toTeamView(await getTeam(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.patch(
    '/v1/teams/:id',
    {
      config: { scope: 'team:write' },
      schema: {
        tags,
        summary: 'Update a team',
        description: '`member_ids`, when given, replaces the team’s members.',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), member_ids: Type.Optional(MemberIds) }, { additionalProperties: false }),
        response: { 200: Envelope(TeamView) },
      },
    },
    async (req) => ({ message: 'Team updated', data: toTeamView(await updateTeam(app.deps, principalOf(req).businessId, req.params.id, { name: req.body.name, memberIds: req.body.member_ids })) }),
  )

  app.delete(
    '/v1/teams/:id',
    { config: { scope: 'team:write' }, schema: { tags, summary: 'Delete a team', params: IdParams, response: { 200: Deleted } } },
    async (req) => {
      await deleteTeam(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Team deleted', data: { id: req.params.id, deleted: true } }
    },
  )
}
