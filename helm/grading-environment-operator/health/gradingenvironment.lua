-- Argo CD custom health check for grading.inginious.org/GradingEnvironment.
-- Install it in argocd-cm under the key
--   resource.customizations.health.grading.inginious.org_GradingEnvironment
-- (see the chart README). Argo CD passes the live object as `obj`.
--
--   Progressing  no status yet; status.observedGeneration behind metadata.generation;
--                Reconciling=True; phase Pending or Building
--   Degraded     Stalled=True; Ready=False with phase Failed; Schedulable=False (no Ready node
--                can run its pods: the message says what the nodes lack)
--   Healthy      Ready=True and status.observedGeneration == metadata.generation
--
-- The message is the Ready condition's "reason: message".

local hs = {}

local function findCondition(status, conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, condition in ipairs(status.conditions) do
    if condition.type == conditionType then
      return condition
    end
  end
  return nil
end

local function isTrue(condition)
  return condition ~= nil and condition.status == "True"
end

local function describe(condition)
  if condition == nil then
    return nil
  end
  local reason = condition.reason
  local message = condition.message
  if reason ~= nil and reason ~= "" and message ~= nil and message ~= "" then
    return reason .. ": " .. message
  end
  if reason ~= nil and reason ~= "" then
    return reason
  end
  if message ~= nil and message ~= "" then
    return message
  end
  return nil
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report a status"
  return hs
end

local phase = status.phase
local ready = findCondition(status, "Ready")
local stalled = findCondition(status, "Stalled")
local reconciling = findCondition(status, "Reconciling")
local schedulable = findCondition(status, "Schedulable")
local message = describe(ready)
  or describe(stalled)
  or describe(reconciling)
  or (phase ~= nil and ("Phase " .. phase))
  or "Waiting for the operator to report a status"

-- A status written for an older spec says nothing about the current one.
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local observed = status.observedGeneration
if generation ~= nil and (observed == nil or observed ~= generation) then
  hs.status = "Progressing"
  if observed == nil then
    hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  else
    hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
      .. " (status is for generation " .. tostring(observed) .. ")"
  end
  return hs
end

-- Placed, yet no node can run it: the nodes' message, not Ready's "PodTemplate ... runs ...".
if isTrue(ready) and schedulable ~= nil and schedulable.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(schedulable)
  return hs
end

if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = message
  return hs
end

if ready ~= nil and ready.status == "False" and phase == "Failed" then
  hs.status = "Degraded"
  hs.message = message
  return hs
end

if isTrue(reconciling) or phase == "Pending" or phase == "Building" then
  hs.status = "Progressing"
  hs.message = message
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = message
  return hs
end

hs.status = "Progressing"
hs.message = message
return hs
