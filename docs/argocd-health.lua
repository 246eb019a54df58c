-- Argo CD health check for orgguard.io kinds (resource.customizations.health.orgguard.io_<Kind>).
-- Conditions count only once the controller has observed the current generation.
hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "waiting for orgguard to reconcile"
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Synced" and c.reason == "ReconcilePaused" then
    -- orgguard.io/paused: nothing is compared or repaired; Argo CD's own word for it.
    hs.status = "Suspended"
    hs.message = c.message
    return hs
  end
end
if obj.metadata.generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "waiting for orgguard to observe the latest spec"
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.reason .. ": " .. c.message
    return hs
  end
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    if c.status == "True" then
      hs.status = "Healthy"
      hs.message = c.message
    elseif c.reason == "Drifted" or c.reason == "NotFound" or c.reason == "Conflict" or c.reason == "ChildrenFailing" then
      -- ObserveOnly drift, something missing, or a baseline's conflict: someone must act.
      hs.status = "Degraded"
      hs.message = c.reason .. ": " .. c.message
    else
      hs.status = "Progressing"
      hs.message = c.reason .. ": " .. c.message
    end
    return hs
  end
end
hs.status = "Progressing"
hs.message = "waiting for orgguard to reconcile"
return hs
