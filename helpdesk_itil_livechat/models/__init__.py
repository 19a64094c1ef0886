from . import chatbot_script, chatbot_script_step, discuss_channel, helpdesk_ticket, im_livechat_channel
